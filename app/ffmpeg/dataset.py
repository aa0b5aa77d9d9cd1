"""The ffmpeg command of one camera of a dataset: a multi-track Matroska on stdin -> NAME.<camera>.mkv.

stdin carries every pass of the camera as a track, all on the same timestamps (app.ffmpeg.matroska.tracks_header).
`_img` is encoded as the frame route always does (libx264, yuv420p; no B-frames, so no track starts before 0 and
every frame keeps the time written in NAME.frames.jsonl). Every other image pass (`_id`, `_category`, `_mask`, ...)
is copied: the build's PNG bytes, untouched, are the track's frames, so every decoded pixel is the build's. The
depth passes, raw RGB bottom-up, become PNG (lossless RGB), turned upright as ImageCapture saves them: half FFV1's
CPU here (640x480: 2.7 vs 5.5 ms a frame), and the recorder shares the cores with the build; at zlib's fastest
level, which halves it again: real depth (noisy low bytes) compresses as well at 1 as at 6, smooth depth at most
doubles (and stays small).
"""

from __future__ import annotations

from app.ffmpeg.commands import CRASH_SAFE_MKV, _progress_flags
from app.ffmpeg.encoders import setup as encoder_setup
from app.model.encoding import Encoding


_OPTION = {"vcodec": "c", "b:v": "b", "q:v": "q"}  # encoder_setup's names -> the per-stream option


def camera_command(binary: str, out_path: str, enc: Encoding, tracks: list[tuple[str, str]], fps: float) -> list[str]:
    """`tracks`: (pass mask, ext) in stdin's track order; ext "rgb" is a depth pass."""
    coder = encoder_setup(enc, max(int(round(fps)), 1) * 2)  # the plan's encoder (a hardware one, or libx264)
    command = [binary, *_progress_flags(), *coder.global_args, "-y", "-f", "matroska", "-probesize", "32",
               "-analyzeduration", "0", "-i", "pipe:0"]
    for index, (mask, ext) in enumerate(tracks):
        command += ["-map", f"0:{index}"]
        if mask == "_img":
            for key, value in coder.output.items():  # per stream: -c:0 libx264, -crf:0 18, -b:0 0 (b:v), ...
                command += [f"-{_OPTION.get(key, key)}:{index}", str(value)]
            if coder.filters:
                command += [f"-filter:{index}", ",".join(f"{name}={':'.join(map(str, args))}" if args else name
                                                        for name, args in coder.filters)]
            command += [f"-bf:{index}", "0"]
        elif ext == "rgb":
            command += [f"-c:{index}", "png", f"-pix_fmt:{index}", "rgb24", f"-compression_level:{index}", "1",
                        f"-filter:{index}", "vflip"]
        else:
            command += [f"-c:{index}", "copy"]
        command += [f"-metadata:s:{index}", f"title={mask}"]
    command += ["-fps_mode", "passthrough", "-copyts", "-f", "matroska"]
    for key, value in CRASH_SAFE_MKV.items():
        command += [f"-{key}", str(value)]
    return [*command, out_path]
