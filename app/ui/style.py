"""One small style sheet: grouped fields, red inline problems, a calm status panel, a red Record button."""

STYLE = """
QGroupBox { font-weight: 600; border: 1px solid #d0d4d8; border-radius: 6px; margin-top: 14px; padding: 10px 8px 6px 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QLabel#problem { color: #c62828; font-weight: normal; }
QLabel#hint { color: #607d8b; font-weight: normal; }
QLabel#thumbnail { background: #263238; color: #90a4ae; border-radius: 4px; font-weight: normal; }
QFrame#statusPanel { background: #263238; border-radius: 8px; }
QFrame#statusPanel QLabel { color: #eceff1; }
QFrame#statusPanel QLabel#light { font-size: 22px; }
QFrame#statusPanel QLabel#stateText { font-size: 16px; font-weight: 600; }
QFrame#statusPanel QLabel#elapsed { font-size: 28px; font-family: monospace; }
QFrame#statusPanel QLabel#caption { color: #90a4ae; font-size: 11px; }
QFrame#statusPanel QLabel#figure { font-size: 15px; font-family: monospace; }
QFrame#statusPanel QLabel#hint { color: #90a4ae; }
QFrame#machineBanner { background: #fff8e1; border: 1px solid #ffcc80; border-radius: 6px; }
QFrame#messageBar { border-radius: 6px; border: 1px solid #b0bec5; background: #eceff1; }
QFrame#messageBar[kind="success"] { background: #e8f5e9; border-color: #a5d6a7; }
QFrame#messageBar[kind="error"] { background: #ffebee; border-color: #ef9a9a; }
QPushButton#recordButton { background: #d32f2f; color: white; font-weight: 600; padding: 8px 18px; border-radius: 5px; }
QPushButton#recordButton:disabled { background: #e0a0a0; color: #fbe9e7; }
QPushButton#stopButton { font-weight: 600; padding: 8px 18px; }
"""
