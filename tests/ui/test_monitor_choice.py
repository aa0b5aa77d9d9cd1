"""The window offers each monitor as a region when the desk has two or more (listed off the GUI thread).

The window itself shows on the session's Xvfb; the engine it asks (the `machine` fixture, overridden here)
talks to a second Xvfb split into two RandR monitors, so the session display's monitors are never changed."""

import pytest
from PySide6.QtCore import Qt

from app.machine import Machine
from tests.screen.test_monitors import two_monitor_desk


@pytest.fixture(scope="module")
def desk():
    with two_monitor_desk() as server:
        yield server


@pytest.fixture
def machine(request, desk, xserver, pulse) -> Machine:
    """The two-monitor desk; `@pytest.mark.parametrize("machine", ["one monitor"], indirect=True)`: the session's."""
    server = xserver if getattr(request, "param", "") == "one monitor" else desk
    return Machine(env=pulse.env(server.env()), platform="linux")


def texts(combo):
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_each_monitor_is_a_choice_and_is_recorded_by_name(make_window, qtbot):
    window = make_window()
    panel = window.form.region
    qtbot.waitUntil(lambda: panel.monitor_combo.count() == 2 and panel.monitor_radio.isVisible(), timeout=10000)
    assert texts(panel.monitor_combo) == [("1: LEFT  —  640×480 at 0,0, primary", "monitor:LEFT"),
                                          ("2: RIGHT  —  640×480 at 640,0", "monitor:RIGHT")]
    assert panel.screen_radio.isChecked() and not panel.monitor_combo.isEnabled()
    qtbot.mouseClick(panel.monitor_radio, Qt.LeftButton)
    panel.monitor_combo.setCurrentIndex(1)
    assert panel.monitor_combo.isEnabled() and window.form.settings().region == "monitor:RIGHT"
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=10000)
    qtbot.waitUntil(lambda: not panel.thumbnail.pixmap().isNull(), timeout=5000)


def test_a_remembered_monitor_that_is_not_connected_stays_selected_with_its_problem(make_window, qtbot, store):
    settings = store.load()
    settings.region = "monitor:HDMI-9"
    settings.output_dir = str(make_window.out)
    store.save(settings)
    window = make_window(first_run=False)
    panel = window.form.region
    qtbot.waitUntil(lambda: panel.monitor_combo.count() == 3, timeout=10000)
    assert panel.monitor_radio.isChecked() and panel.monitor_radio.isVisible()
    assert panel.monitor_combo.currentText() == "HDMI-9  (not connected now)"
    assert window.form.settings().region == "monitor:HDMI-9"
    qtbot.waitUntil(lambda: "Monitor 'HDMI-9' is not connected: use one of 1 (LEFT" in panel.problem.text(), timeout=10000)
    assert not window.record_button.isEnabled()


@pytest.mark.parametrize("machine", ["one monitor"], indirect=True)
def test_one_monitor_is_no_choice(make_window, qtbot):
    window = make_window()
    panel = window.form.region
    qtbot.waitUntil(lambda: panel.monitor_combo.count() == 1, timeout=10000)
    assert not panel.monitor_radio.isVisible() and not panel.monitor_combo.isVisible()
    assert window.form.settings().region == "screen"
