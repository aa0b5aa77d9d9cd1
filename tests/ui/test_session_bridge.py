"""Engine callbacks from worker threads reach widgets on the GUI thread only."""

import threading

from app.model.status import RecordingResult, RecordingStatus
from app.ui.session_bridge import SessionBridge


def test_statuses_from_another_thread_arrive_on_the_gui_thread(qtbot):
    bridge = SessionBridge()
    seen = []
    bridge.status.connect(lambda s: seen.append((s, threading.current_thread() is threading.main_thread())))
    bridge.finished.connect(lambda r: seen.append((r, threading.current_thread() is threading.main_thread())))
    status = RecordingStatus("recording", frames=12)
    result = RecordingResult(None, 0.0, 0, 0, 0, 0, False, "Nothing was recorded.")
    worker = threading.Thread(target=lambda: (bridge.on_status(status), bridge.on_finished(result)))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=2000)
    assert seen == [(status, True), (result, True)]
