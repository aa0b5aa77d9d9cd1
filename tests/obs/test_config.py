"""OBS's config files as OBS 29 reads them: profile, scene collection, global.ini; the password kept 0600."""

import configparser
import json
import stat

from app.obs.config import (SCREEN_SOURCE, Crop, RecordingSetup, Websocket, collection_json, dir_name,
                            file_name_format, global_ini, profile_ini, record_encoder_json, write_config)
from app.model.region import Region


def ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    return parser


def setup(tmp_path, **kw) -> RecordingSetup:
    return RecordingSetup(tmp_path, "tdw-20250101-120000.recording", 320, 240, 30.0,
                          Crop.of(Region(100, 80, 320, 240), (1280, 800)), **kw)


def test_crop_cuts_everything_but_the_region():
    crop = Crop.of(Region(100, 80, 320, 240), (1280, 800))
    assert crop.settings() == {"cut_left": 100, "cut_top": 80, "cut_right": 860, "cut_bot": 480}


def test_profile_canvas_is_the_output_size_and_records_mkv_under_our_name(tmp_path):
    profile = ini(profile_ini(setup(tmp_path)))
    video = profile["Video"]
    assert (video["BaseCX"], video["BaseCY"], video["OutputCX"], video["OutputCY"]) == ("320", "240", "320", "240")
    assert (video["FPSType"], video["FPSInt"]) == ("1", "30")
    assert profile["Output"]["FilenameFormatting"] == "tdw-20250101-120000.recording"
    assert profile["Output"]["OverwriteIfExists"] == "false"
    assert profile["SimpleOutput"]["FilePath"] == str(tmp_path) == profile["AdvOut"]["RecFilePath"]
    for section in ("SimpleOutput", "AdvOut"):
        assert profile[section]["RecFormat"] == profile[section]["RecFormat2"] == "mkv"
    encoder = json.loads(record_encoder_json(setup(tmp_path, crf=20, preset="ultrafast")))
    assert encoder["crf"] == 20 and encoder["preset"] == "ultrafast" and encoder["keyint_sec"] == 1


def test_fractional_rates_and_percent_signs(tmp_path):
    video = ini(profile_ini(RecordingSetup(tmp_path, "50%", 2, 2, 29.97)))["Video"]
    assert (video["FPSType"], video["FPSNum"], video["FPSDen"]) == ("2", "29970", "1000")
    assert file_name_format("50%") == "50%%"  # % starts OBS's date codes
    assert dir_name("TDW Recorder") == "TDW_Recorder"


def test_collection_has_one_scene_with_the_cropped_screen_and_desktop_audio(tmp_path):
    data = json.loads(collection_json(setup(tmp_path, audio_source="tdwrec_test_sink.monitor")))
    sources = {s["name"]: s for s in data["sources"]}
    screen = sources[SCREEN_SOURCE]
    assert screen["id"] == "xshm_input" and screen["settings"]["cut_right"] == 860 and screen["settings"]["screen"] == 0
    scene = sources[data["current_scene"]]
    assert scene["id"] == "scene" and [i["name"] for i in scene["settings"]["items"]] == [SCREEN_SOURCE]
    item = scene["settings"]["items"][0]
    assert item["pos"] == {"x": 0.0, "y": 0.0} and item["scale"] == {"x": 1.0, "y": 1.0}
    audio = data["DesktopAudioDevice1"]
    assert audio["id"] == "pulse_output_capture" and audio["settings"]["device_id"] == "tdwrec_test_sink.monitor"
    mic = json.loads(collection_json(setup(tmp_path, audio_source="alsa_input.usb")))
    assert mic["AuxAudioDevice1"]["id"] == "pulse_input_capture" and "DesktopAudioDevice1" not in mic
    assert "DesktopAudioDevice1" not in json.loads(collection_json(setup(tmp_path)))


def test_global_ini_no_wizard_no_preview_websocket_on():
    text = ini(global_ini("TDW Recorder", "TDW Recorder", Websocket(4567, "pw-123")))
    assert text["General"]["FirstRun"] == "true"
    assert text["Basic"]["ProfileDir"] == "TDW_Recorder" and text["Basic"]["SceneCollectionFile"] == "TDW_Recorder"
    assert text["BasicWindow"]["PreviewEnabled"] == "false"
    ws = text["OBSWebSocket"]
    assert (ws["ServerEnabled"], ws["ServerPort"], ws["AuthRequired"], ws["ServerPassword"]) == ("true", "4567", "true", "pw-123")
    assert "pw-123" not in repr(Websocket(4567, "pw-123"))


def test_written_config_keeps_the_password_to_the_user(tmp_path):
    root = tmp_path / "obs-studio"
    write_config(root, setup(tmp_path), Websocket(4567, "pw-123"))
    assert (root / "basic" / "profiles" / "TDW_Recorder" / "basic.ini").exists()
    assert (root / "basic" / "scenes" / "TDW_Recorder.json").exists()
    for secret in (root / "global.ini", root / "plugin_config" / "obs-websocket" / "config.json"):
        assert "pw-123" in secret.read_text()
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
