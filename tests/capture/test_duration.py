"""FrameLimit: --duration of the frame routes, on plain numbers."""

from app.capture.duration import FrameLimit


def test_frames_without_times_are_counted_at_the_framerate():
    limit = FrameLimit(0.5)
    taken = [limit.take(30, None) for _ in range(20)]
    assert taken == [True] * 15 + [False] * 5 and limit.full and limit.frames == 15
    assert FrameLimit(0.01).take(30, None) is True  # at least one frame, however short


def test_stamped_frames_are_timed_from_the_first():
    limit = FrameLimit(1.0)
    times = [100.0 + i * 0.3 for i in range(6)]  # a scene slower than real time: 0.3 s a frame
    assert [limit.take(30, t) for t in times] == [True, True, True, True, False, False]
    assert limit.full and limit.frames == 4
