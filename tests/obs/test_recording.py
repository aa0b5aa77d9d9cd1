"""A whole websocket recording replayed from a real OBS 29 / obs-websocket 5.1 conversation (tests/data)."""

import json
from collections import defaultdict, deque
from pathlib import Path

import pytest
from obsws_python.error import OBSSDKRequestError

from app.errors import RecorderError
from app.obs.client import ObsConnection
from app.obs.config import Crop
from app.obs.recording import ALREADY_RECORDING, ObsRecording

CONVERSATION = json.loads((Path(__file__).parent.parent / "data" / "obs_websocket_29.json").read_text())["conversation"]
FOLDER = Path("/home/user/Videos/TDW Recorder")


class ReplayClient:
    """Answers each request with what OBS answered to the same request and data, in the recorded order."""

    def __init__(self, conversation):
        self.answers = defaultdict(deque)
        for entry in conversation:
            self.answers[self.key(entry["request"], entry["data"])].append(entry)
        self.sent = []

    @staticmethod
    def key(request, data):
        return request, json.dumps(data, sort_keys=True)

    def send(self, request, data=None, raw=False):
        self.sent.append((request, data))
        queue = self.answers.get(self.key(request, data))
        assert queue, f"OBS was never asked {request} {data}"
        entry = queue.popleft() if len(queue) > 1 else queue[0]  # the last answer repeats
        if "error" in entry:
            raise OBSSDKRequestError(request, entry["error"]["code"], None)
        return entry["reply"]

    def disconnect(self):
        pass


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_obs_29_has_no_set_record_directory():
    available = CONVERSATION[0]["reply"]["availableRequests"]
    assert "SetProfileParameter" in available and "SetRecordDirectory" not in available


def test_replayed_recording_points_obs_at_our_file_reports_progress_and_puts_everything_back():
    client, clock = ReplayClient(CONVERSATION), Clock()
    recording = ObsRecording(ObsConnection(client, "127.0.0.1", 4455), 30.0, clock=clock, sleep=clock.sleep)
    recording.ensure_idle()
    recording.point_output(FOLDER, "tdw-20250101-120000.recording")
    assert recording.aim_screen(Crop(100, 80, 860, 480), 320, 240, 30.0)
    recording.start()
    for _ in range(6):
        clock.sleep(0.25)
        recording.poll()
    progress = recording.last
    # OBS 29 said "01:20:10" after 1.5 s (its durations break after SetVideoSettings): estimated instead
    assert progress.frames == round(recording.elapsed() * 30) and progress.frames < 100
    assert progress.size_bytes == 15400 and progress.dropped == 0
    path = recording.stop()
    assert path == str(FOLDER / "tdw-20250101-120000.recording.mkv")
    recording.restore()
    restored = [data for request, data in client.sent if request == "SetProfileParameter"][-8:]
    assert {(d["parameterCategory"], d["parameterName"]): d["parameterValue"] for d in restored}[
        ("AdvOut", "RecFilePath")] == "/home/user/Videos"
    assert client.sent[-1] == ("SetVideoSettings", {"baseWidth": 640, "baseHeight": 400, "outputWidth": 640,
                                                    "outputHeight": 400, "fpsNumerator": 30, "fpsDenominator": 1})
    assert not any(request in ("StartRecord", "StopRecord") for request, _ in client.sent[-12:])


def test_already_recording_is_refused_before_anything_changes():
    recording_now = [{"request": "GetRecordStatus", "data": None,
                      "reply": {"outputActive": True, "outputBytes": 5, "outputDuration": 100}}]
    client = ReplayClient(recording_now)
    with pytest.raises(RecorderError) as caught:
        ObsRecording(ObsConnection(client, "h", 1), 30.0).ensure_idle()
    assert caught.value.message == ALREADY_RECORDING
    assert client.sent == [("GetRecordStatus", None)]


def test_refused_requests_are_one_line():
    client = ReplayClient([{"request": "StartRecord", "data": None, "error": {"code": 500, "text": ""}}])
    with pytest.raises(RecorderError) as caught:
        ObsConnection(client, "h", 1).call("StartRecord")
    assert caught.value.message == "OBS refused StartRecord (code 500)."
