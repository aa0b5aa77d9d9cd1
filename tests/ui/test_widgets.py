"""Small shared widgets' helpers."""

from app.ui.widgets import home_shortened


def test_paths_under_home_are_shown_from_tilde(monkeypatch, tmp_path):
    home = tmp_path / "ada"
    monkeypatch.setenv("HOME", str(home))
    assert home_shortened(f"{home}/Videos/TDW Recorder/a.mkv") == "~/Videos/TDW Recorder/a.mkv"
    assert home_shortened(str(home)) == "~"
    assert home_shortened(f"{home}-other/a.mkv") == f"{home}-other/a.mkv"  # a sibling folder is not home
    assert home_shortened("/srv/data/a.mkv") == "/srv/data/a.mkv"
