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


def test_a_first_frame_that_waited_for_the_sound_is_timed_from_when_it_was_let_go():
    limit = FrameLimit(1.0)
    assert limit.take(30, 100.0)  # the first image, then the scene waits 2.5 s for the sound to flow
    limit.count_from(102.5)
    times = [102.6 + i * 0.25 for i in range(5)]
    assert [limit.take(30, t) for t in times] == [True, True, True, True, False]
    assert limit.full and limit.frames == 5  # without count_from, the wait used the whole second: one frame


def test_counting_from_a_later_time_before_any_frame_changes_nothing():
    limit = FrameLimit(1.0)
    limit.count_from(50.0)
    assert limit.take(30, 100.0) and limit.first_time == 100.0
