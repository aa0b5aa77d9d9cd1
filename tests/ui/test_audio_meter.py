"""The audio meter follows the engine's live peak level and hides when nothing is recorded."""

from app.model.status import RecordingStatus
from app.ui.status_panel import METER_FLOOR_DB, StatusPanel


def test_meter_shows_the_peak_while_recording(qtbot):
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_status(RecordingStatus("recording", audio_peak_db=-18.4))
    assert panel.meter.isVisible() and panel.meter.value() == -18
    panel.show_status(RecordingStatus("recording", audio_peak_db=-120.0))
    assert panel.meter.value() == METER_FLOOR_DB
    panel.reset()
    assert not panel.meter.isVisible()


def test_no_meter_without_audio(qtbot):
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_status(RecordingStatus("recording", frames=10))
    assert not panel.meter.isVisible()


def test_a_capture_note_is_shown_until_the_next_recording(qtbot):
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_status(RecordingStatus("recording", frames=10))
    assert not panel.note.isVisible()
    note = "The window changed size to 320x240: the recording goes on, scaled into 400x300."
    panel.show_status(RecordingStatus("recording", frames=40, note=note))
    assert panel.note.isVisible() and panel.note.text() == note
    panel.reset()
    assert not panel.note.isVisible()


def test_figures_are_drawn_once_a_second_with_the_clock_and_a_new_state_at_once(qtbot):
    """Statuses come twice a second and a scene's frames far more often; drawing each cost the window ~1 % of a
    core, so while recording the panel draws the latest figures on the clock's next second."""
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_status(RecordingStatus("recording", frames=10, elapsed_s=0.2))
    assert panel.figures["frames"].text() == "10"  # the first is drawn at once
    panel.show_status(RecordingStatus("recording", frames=25, elapsed_s=0.7))
    assert panel.figures["frames"].text() == "10"  # kept for the next second
    qtbot.waitUntil(lambda: panel.figures["frames"].text() == "25", timeout=3000)
    assert panel.elapsed.text() > "00:00:00"  # the clock went on with them
    panel.show_status(RecordingStatus("recording", frames=40, elapsed_s=1.3))
    panel.show_status(RecordingStatus("stopping", frames=41, elapsed_s=1.4))
    assert panel.state.text() == "Stopping…" and panel.figures["frames"].text() == "41"  # a new state: at once
    panel.show_status(RecordingStatus("finalising", frames=41, elapsed_s=1.4, finishing_pct=45))
    assert panel.state.text() == "Finishing the file… 45 %"  # how far the remux to MP4 has got
