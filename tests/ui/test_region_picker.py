"""Drawing a region: real mouse and key events on the overlay, and the whole flow from the window."""

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtTest import QTest

from app.model.region import Region
from app.ui.region_picker import RegionPicker


def open_picker(qtbot) -> RegionPicker:
    shot = QPixmap(1280, 800)
    shot.fill(QColor("#446688"))
    picker = RegionPicker(shot)
    qtbot.addWidget(picker)
    picker.open()
    qtbot.waitExposed(picker)
    return picker


def drag(widget, start: QPoint, end: QPoint) -> None:
    QTest.mousePress(widget, Qt.LeftButton, Qt.NoModifier, start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    QTest.mouseMove(widget, middle)
    QTest.mouseMove(widget, end)
    QTest.mouseRelease(widget, Qt.LeftButton, Qt.NoModifier, end)


def test_a_dragged_rubber_band_is_rounded_to_even_sizes(qtbot):
    picker = open_picker(qtbot)
    drag(picker, QPoint(101, 81), QPoint(302, 233))
    assert picker.selection == QRect(101, 81, 201, 152)
    with qtbot.waitSignal(picker.accepted, timeout=2000) as accepted:
        QTest.keyClick(picker, Qt.Key_Return)
    assert accepted.args == [Region(101, 81, 200, 152)]
    assert not picker.isVisible()


def test_dragging_up_and_left_works_too(qtbot):
    picker = open_picker(qtbot)
    drag(picker, QPoint(500, 400), QPoint(299, 199))
    assert picker.region() == Region(299, 199, 200, 200)


def test_arrows_nudge_and_shift_arrows_resize(qtbot):
    picker = open_picker(qtbot)
    drag(picker, QPoint(10, 10), QPoint(110, 60))
    QTest.keyClick(picker, Qt.Key_Right)
    QTest.keyClick(picker, Qt.Key_Down)
    QTest.keyClick(picker, Qt.Key_Down)
    assert picker.selection == QRect(11, 12, 100, 50)
    QTest.keyClick(picker, Qt.Key_Right, Qt.ShiftModifier)
    QTest.keyClick(picker, Qt.Key_Up, Qt.ShiftModifier)
    assert picker.selection == QRect(11, 12, 101, 49)
    assert picker.region() == Region(11, 12, 100, 48)


def test_escape_cancels_and_enter_without_a_selection_does_nothing(qtbot):
    picker = open_picker(qtbot)
    QTest.keyClick(picker, Qt.Key_Return)
    assert picker.isVisible()
    with qtbot.waitSignal(picker.cancelled, timeout=2000):
        QTest.keyClick(picker, Qt.Key_Escape)
    assert not picker.isVisible()


def test_draw_from_the_window_fills_the_rectangle_and_its_thumbnail(make_window, qtbot):
    window = make_window()
    panel = window.form.region
    qtbot.mouseClick(panel.draw_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.picker is not None and panel.picker.isVisible(), timeout=5000)
    assert not window.isVisible()  # out of the way of the screenshot
    picker = panel.picker
    qtbot.waitExposed(picker)
    drag(picker, QPoint(201, 101), QPoint(520, 340))
    QTest.keyClick(picker, Qt.Key_Enter)
    qtbot.waitUntil(window.isVisible, timeout=5000)
    assert panel.rect_radio.isChecked()
    assert panel.rect_edit.text() == "201,101,318x238"
    assert window.form.settings().region == "201,101,318x238"
    assert not panel.thumbnail.pixmap().isNull()
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
