"""The window greys the region choices and backends that cannot record on this kind of display, with the reason.

The window itself shows on the session's Xvfb; the engine it asks (the `machine` fixture, overridden here) is a
Wayland session's: a real weston with Xwayland (tests/support/wayland.py). On the plain Xvfb nothing is greyed.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtGui import Qt as GuiQt

from app.capture.registry import BACKENDS, register
from app.machine import Machine
from app.model.backend import BackendInfo
from app.processes import stop_tree
from app.ui.region_panel import TDW_TIP
from tests.support.standin_build import BUILD_PATH
from tests.support.wayland import open_window

WAYLAND = "This is a Wayland session: "
FFMPEG_REASON = (WAYLAND + "x11grab sees only X11 windows there, so the screen records black. Record the TDW window "
                 "(--region tdw) or an X11 window (--region window:<title>), or log in to an X11 session (\"GNOME on Xorg\").")
OBS_REASON = (WAYLAND + "OBS's X11 screen capture (xshm) sees an empty screen there, so every region records black. Use "
              "OBS's own Screen Capture (PipeWire) by hand, record with the ffmpeg backend (--region tdw or "
              "window:<title>), or log in to an X11 session (\"GNOME on Xorg\").")
BUILD_REASON = (WAYLAND + "the TDW build's own ffmpeg grabs its window's place on the screen, which is black there. "
                "Record with the ffmpeg backend (--backend ffmpeg --region tdw), or log in to an X11 session (\"GNOME on Xorg\").")
KINDS = ("screen", "monitor", "window", "rect", "tdw")


@pytest.fixture
def machine(request, xserver, pulse) -> Machine:
    """A Wayland session's engine (weston + Xwayland); `indirect` "x11": the session's plain Xvfb."""
    if getattr(request, "param", "wayland") == "x11":
        return Machine(env=pulse.env(xserver.env()), platform="linux")
    weston = request.getfixturevalue("weston")
    return Machine(env=pulse.env(weston.env()), platform="linux")


@pytest.fixture
def wayland_backend():
    """A backend that declares it records the screen, monitors and rectangles of a Wayland session (as one for a
    compositor's own outputs would), but no windows: the window reads what it declares."""
    info = BackendInfo("outputs-only", "Outputs only", factory=lambda _context: None, modes=frozenset({"video", "av"}),
                       region_kinds=frozenset({"screen", "monitor", "rect"}),
                       wayland_region_kinds=frozenset({"screen", "monitor", "rect"}))
    register(info)
    yield info
    BACKENDS.pop(info.name, None)


def radios(panel):
    return dict(zip(KINDS, (panel.screen_radio, panel.monitor_radio, panel.window_radio, panel.rect_radio, panel.tdw_radio)))


def shown(tooltip: str) -> str:
    """What a tooltip shows: Qt takes text that might be rich (e.g. naming `window:<title>`) for HTML."""
    if not GuiQt.mightBeRichText(tooltip):
        return tooltip
    document = QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText()


def states(panel):
    """{kind: (enabled, the tooltip as shown)} of the region radio buttons."""
    return {kind: (radio.isEnabled(), shown(radio.toolTip())) for kind, radio in radios(panel).items()}


def backend_items(combo):
    return {combo.itemData(i): (combo.model().item(i).isEnabled(), shown(combo.itemData(i, Qt.ToolTipRole) or ""))
            for i in range(combo.count())}


def choose_backend(window, name):
    """As a remembered choice would: a greyed backend can still be the current one."""
    combo = window.form.backend
    combo.setCurrentIndex(combo.findData(name))


def test_on_wayland_only_what_the_backend_records_there_is_offered(make_window, qtbot, weston, wayland_backend, tmp_path):
    window = make_window()
    panel, form = window.form.region, window.form
    qtbot.waitUntil(lambda: not panel.screen_radio.isEnabled(), timeout=10000)
    assert states(panel) == {"screen": (False, FFMPEG_REASON), "monitor": (False, FFMPEG_REASON),
                             "window": (True, ""), "rect": (False, FFMPEG_REASON), "tdw": (False, TDW_TIP)}
    assert not panel.draw_button.isEnabled() and panel.refresh_button.isEnabled()
    # the saved choice (the whole screen) stays chosen, and says at once why it cannot be recorded
    assert panel.screen_radio.isChecked() and form.settings().region == "screen"
    assert panel.problem.isVisible() and panel.problem.text() == FFMPEG_REASON
    qtbot.waitUntil(lambda: panel.thumbnail.text() == "Cannot be\nrecorded here", timeout=5000)  # not the GUI's own screen
    qtbot.waitUntil(lambda: window.live.problems is not None and any(p.field == "region" for p in window.live.problems),
                    timeout=10000)
    assert panel.problem.text() == FFMPEG_REASON and not window.record_button.isEnabled()  # preflight's words, once

    # backends that record nothing here are greyed in the list, with why
    qtbot.waitUntil(lambda: not backend_items(form.backend)["obs-launch"][0], timeout=10000)
    items = backend_items(form.backend)
    assert items["ffmpeg"][0] and items[wayland_backend.name][0]
    for name, reason in (("obs-websocket", OBS_REASON), ("obs-launch", OBS_REASON), ("tdw-build", BUILD_REASON)):
        assert not items[name][0] and reason in items[name][1], name

    window.grab().save(str(tmp_path / "wayland-window.png"))  # a look at the greyed state (kept with the test's files)

    # OBS records no region here: every kind is greyed with OBS's reason; the chosen one stays chosen
    choose_backend(window, "obs-launch")
    assert all(state == (False, OBS_REASON) for state in states(panel).values())
    assert panel.screen_radio.isChecked() and form.settings().region == "screen" and panel.problem.text() == OBS_REASON
    qtbot.waitUntil(lambda: window.live.problems is not None and OBS_REASON in [p.message for p in window.live.problems],
                    timeout=10000)
    assert panel.problem.text() == OBS_REASON

    # a backend that declares the screen, monitors and rectangles (not windows) of a Wayland session
    choose_backend(window, wayland_backend.name)
    declared = states(panel)
    assert [declared[kind][0] for kind in ("screen", "monitor", "rect")] == [True, True, True] and panel.draw_button.isEnabled()
    assert declared["window"] == (False, "The Outputs only backend cannot record a window region: choose another region or backend.")
    assert not declared["tdw"][0]
    assert OBS_REASON not in panel.problem.text()  # the old backend's problem went with it

    # back to ffmpeg: windows come back, and picking one records
    choose_backend(window, "ffmpeg")
    assert states(panel)["window"] == (True, "") and not panel.screen_radio.isEnabled()
    title = "Wayland Choice"
    proc = open_window(weston.env(), title)
    try:
        panel.refresh()
        qtbot.waitUntil(lambda: panel.select_window(title), timeout=10000)
        assert panel.window_radio.isChecked() and form.settings().region == f"window:{title}"
        assert FFMPEG_REASON not in panel.problem.text()
        qtbot.waitUntil(lambda: window.live.problems == [] and window.record_button.isEnabled(), timeout=15000)
        assert not panel.problem.isVisible()
    finally:
        stop_tree(proc.pid, timeout=5)


def test_on_wayland_a_remembered_tdw_build_capture_stays_chosen_with_its_problem(make_window, qtbot, store):
    settings = store.load()
    settings.output_dir = str(make_window.out)
    settings.backend, settings.region, settings.scene, settings.build = "tdw-build", "tdw", "demo:moving_object", str(BUILD_PATH)
    store.save(settings)
    window = make_window(first_run=False)
    panel, form = window.form.region, window.form
    qtbot.waitUntil(lambda: not panel.window_radio.isEnabled(), timeout=10000)
    assert all(state == (False, BUILD_REASON) for state in states(panel).values())
    assert form.backend.currentData() == "tdw-build" and panel.tdw_radio.isChecked() and form.settings().region == "tdw"
    assert panel.problem.text() == BUILD_REASON
    choose_backend(window, "ffmpeg")
    assert states(panel)["tdw"] == (True, TDW_TIP) and states(panel)["window"] == (True, "")
    assert panel.tdw_radio.isChecked() and BUILD_REASON not in panel.problem.text()


@pytest.mark.parametrize("machine", ["x11"], indirect=True)
def test_on_x11_every_choice_the_backends_declare_is_offered(make_window, qtbot):
    window = make_window()
    panel, form = window.form.region, window.form
    qtbot.waitUntil(lambda: bool(panel._reasons), timeout=10000)
    form.scene.kind.setCurrentIndex(form.scene.kind.findData("demo"))  # so the TDW window is a choice
    qtbot.waitUntil(lambda: panel.tdw_radio.isEnabled(), timeout=5000)
    for name in ("ffmpeg", "tdw-build", "obs-websocket", "obs-launch"):
        choose_backend(window, name)
        assert states(panel) == {kind: (True, TDW_TIP if kind == "tdw" else "") for kind in KINDS}, name
        assert panel.draw_button.isEnabled()
    for name, info in BACKENDS.items():  # any other: what it declares, on any display
        if info.records("video"):
            choose_backend(window, name)
            assert {kind for kind, (enabled, _) in states(panel).items() if enabled} == set(info.region_kinds), name
    assert not any(WAYLAND in tip for _, tip in backend_items(form.backend).values())
