"""The window's second audio source and encoder choice: inline problems, and both remembered across restarts."""

import subprocess

from app.ui.widgets import select_data


def test_a_second_source_and_an_encoder_are_checked_inline_and_remembered(make_window, qtbot, pulse):
    env = pulse.env()
    module = subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=tdwrec_narration"], env=env,
                            capture_output=True, text=True, check=True).stdout.strip()
    try:
        window = make_window()
        form, second = window.form, window.form.audio2
        select_data(form.mode, "av")
        form.region.rect_edit.setText("0,0,320x240")
        form.region.rect_radio.setChecked(True)
        qtbot.waitUntil(lambda: second.findData("tdwrec_narration.monitor") >= 0, timeout=10000)
        assert second.isEnabled() and second.currentData() == "none" and form.settings().more_audio == []
        select_data(second, f"{pulse.sink}.monitor")  # what "default" is here: the same source twice
        qtbot.waitUntil(lambda: form.problems["audio"].isVisible(), timeout=10000)
        assert "Two of the audio sources are the same one" in form.problems["audio"].text()
        assert not window.record_button.isEnabled()
        select_data(second, "tdwrec_narration.monitor")
        qtbot.waitUntil(lambda: window.live.problems == [] and window.record_button.isEnabled(), timeout=10000)
        assert form.settings().more_audio == ["tdwrec_narration.monitor"]
        select_data(form.extras.encoder, "h264_vaapi")  # listed by ffmpeg, but no GPU here
        qtbot.waitUntil(lambda: form.problems["encoder"].isVisible(), timeout=10000)
        assert form.problems["encoder"].text().startswith("The h264_vaapi encoder does not work on this machine (")
        assert not window.record_button.isEnabled()
        select_data(form.extras.encoder, "auto")
        qtbot.waitUntil(lambda: window.live.problems == [] and window.record_button.isEnabled(), timeout=10000)
        select_data(form.mode, "video")
        assert not second.isEnabled() and form.settings().more_audio == []  # a second track only with audio + video
        select_data(form.mode, "av")
        window.close()
        again = make_window(first_run=False)
        assert again.form.extras.encoder_value() == "auto"
        assert again.form.audio2.currentData() == "tdwrec_narration.monitor"
        assert again.form.settings().more_audio == ["tdwrec_narration.monitor"]
    finally:
        subprocess.run(["pactl", "unload-module", module], env=env, capture_output=True)
