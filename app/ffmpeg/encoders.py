"""Video encoders: each one's ffmpeg options (a pure table, tested as exact lists) and the one-frame probe that
says which hardware encoders work on this machine, cached per ffmpeg binary (path + mtime + size).

ffmpeg lists every encoder it was built with, whether or not this machine has the GPU and driver behind it
(Debian's lists h264_nvenc on a machine without NVIDIA), so only a real test encode can tell.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ffmpeg

from app.model.encoding import AUTO, HARDWARE_ENCODERS, SOFTWARE_ENCODERS, Encoding
from app.paths import cache_dir

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 5.0  # one frame takes ~0.1 s where it works; a driver that hangs must not hold the start
CACHE_NAME = "encoders.json"
# What `auto` tries, in this order, per platform: the H.264 hardware encoders (H.264 plays everywhere; HEVC only
# when asked for). NVENC first: where an NVIDIA card is present it is the fastest and the driver is usually set up.
AUTO_ORDER = {
    "linux": ("h264_nvenc", "h264_vaapi", "h264_qsv"),
    "win32": ("h264_nvenc", "h264_qsv", "h264_amf", "h264_mf"),
    "darwin": ("h264_videotoolbox",),
}
LOSSLESS_ENCODER = "libx264rgb"  # --lossless: H.264 that keeps RGB (players of the High 4:4:4 profile: ffmpeg, mpv, VLC)
# x264's preset names (what --preset takes) as each hardware family names its speed/quality trade-off
_NVENC_PRESET = {"ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p4", "fast": "p4",
                 "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7"}
_QSV_PRESET = {"ultrafast": "veryfast", "superfast": "veryfast"}  # the others have the same names in QSV
_AMF_QUALITY = {"ultrafast": "speed", "superfast": "speed", "veryfast": "speed", "faster": "balanced",
                "fast": "balanced", "medium": "balanced"}  # slow and slower: "quality"


def default_render_node() -> str:
    """The first DRM render node (VA-API and QSV encode through it); renderD128 when none is there."""
    nodes = sorted(Path("/dev/dri").glob("renderD*")) if Path("/dev/dri").is_dir() else []
    return str(nodes[0]) if nodes else "/dev/dri/renderD128"


@dataclass(frozen=True)
class EncoderSetup:
    """What one encoder needs on the command line: global options (a device), filters on the picture (upload to
    the GPU) and output options (codec, quality, pixel format, keyframe interval)."""

    global_args: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    output: dict[str, Any] = field(default_factory=dict)

    def apply(self, stream):
        """The picture stream with this encoder's filters."""
        for name, args in self.filters:
            stream = stream.filter(name, *args)
        return stream


def setup(enc: Encoding, gop: int, device: str | None = None) -> EncoderSetup:
    """The options of `enc.video_codec` at `enc.crf` / `enc.preset` (crf is each encoder's constant-quality
    number where it has one on the same 0-51 scale: nvenc -cq, VA-API -qp, QSV -global_quality, AMF -qp)."""
    name, crf, preset = enc.video_codec, int(enc.crf), enc.preset
    out: dict[str, Any] = {"vcodec": name, "g": gop}
    if enc.lossless:  # RGB in, RGB out: no conversion to YUV, whose rounding alone would change pixels
        return EncoderSetup(output={**out, "vcodec": LOSSLESS_ENCODER, "preset": preset, "qp": 0, "pix_fmt": "rgb24"})
    if name in SOFTWARE_ENCODERS or name == AUTO:  # auto is resolved by the plan; the software line is its fallback
        return EncoderSetup(output={**out, "vcodec": "libx264" if name == AUTO else name, "preset": preset, "crf": crf,
                                    "pix_fmt": enc.pixel_format})
    family = name.split("_", 1)[1]
    if family == "nvenc":  # variable bitrate aimed at a constant quality, no bitrate cap
        return EncoderSetup(output={**out, "preset": _NVENC_PRESET.get(preset, "p4"), "rc": "vbr", "cq": crf, "b:v": 0,
                                    "pix_fmt": enc.pixel_format})
    if family == "vaapi":  # frames converted to NV12 in software, then uploaded to the GPU
        node = device or default_render_node()
        return EncoderSetup(("-vaapi_device", node), (("format", ("nv12",)), ("hwupload", ())),
                            {**out, "rc_mode": "CQP", "qp": crf})
    if family == "qsv":
        return EncoderSetup(output={**out, "preset": _QSV_PRESET.get(preset, preset), "global_quality": crf,
                                    "pix_fmt": "nv12"})
    if family == "videotoolbox":  # -q:v 1-100, higher is better: crf 18 -> 64
        return EncoderSetup(output={**out, "q:v": max(1, min(100, 100 - 2 * crf)), "realtime": 1, "pix_fmt": "nv12"})
    if family == "amf":
        return EncoderSetup(output={**out, "quality": _AMF_QUALITY.get(preset, "quality"), "rc": "cqp", "qp_i": crf,
                                    "qp_p": crf, "pix_fmt": "nv12"})
    if family == "mf":  # Media Foundation: its quality is 0-100, higher is better
        return EncoderSetup(output={**out, "hw_encoding": 1, "rate_control": "quality",
                                    "quality": max(1, min(100, 100 - 2 * crf)), "pix_fmt": "nv12"})
    raise ValueError(f"unknown encoder {name}")


def probe_command(binary: str, name: str, device: str | None = None) -> list[str]:
    """One black 256x144 frame encoded with `name` and thrown away: succeeds only where the encoder really works."""
    enc = setup(Encoding(video_codec=name), 1, device)
    frame = enc.apply(ffmpeg.input("color=c=black:s=256x144:r=30", f="lavfi"))
    out = ffmpeg.output(frame, "-", f="null", **{"frames:v": 1}, **enc.output)
    return [binary, "-hide_banner", "-loglevel", "error", "-nostdin", *enc.global_args, *out.get_args()]


@dataclass(frozen=True)
class ProbeResult:
    name: str
    works: bool
    detail: str  # ffmpeg's last line when it failed, or "" when it worked


def _probe_one(binary: str, name: str) -> ProbeResult:
    try:
        done = subprocess.run(probe_command(binary, name), capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        return ProbeResult(name, False, f"no frame within {PROBE_TIMEOUT_S:g} s")
    except OSError as exc:
        return ProbeResult(name, False, exc.strerror or str(exc))
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    return ProbeResult(name, done.returncode == 0, "" if done.returncode == 0 else (lines[-1] if lines else f"exit {done.returncode}"))


def _key(binary: str) -> str:
    stat = os.stat(binary)
    return f"{os.path.realpath(binary)}|{stat.st_mtime_ns}|{stat.st_size}"


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def probe(binary: str, names: tuple[str, ...] | list[str], fresh: bool = False) -> dict[str, ProbeResult]:
    """Whether each encoder works with this binary: from the cache when this very file was probed before (`fresh`
    probes again), else by test encodes run side by side, then cached under the platform's cache folder."""
    path = cache_dir() / CACHE_NAME
    data, key = _load(path), _key(binary)
    known: dict[str, Any] = {} if fresh else dict(data.get(key, {}))
    missing = [n for n in names if not isinstance(known.get(n), list)]
    if missing:
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            for result in pool.map(lambda n: _probe_one(binary, n), missing):
                known[result.name] = [result.works, result.detail]
        # one entry per binary path: an updated ffmpeg replaces its old results
        data = {k: v for k, v in data.items() if k.split("|")[0] != key.split("|")[0]}
        data[key] = known
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two recorders probing at once each replace it whole
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:  # a read-only home: probe again next time, record anyway
            log.info("encoder probe results not cached (%s)", exc)
    return {n: ProbeResult(n, bool(known[n][0]), str(known[n][1])) for n in names}


def candidates(listed: frozenset[str], platform: str = sys.platform, every: bool = False) -> tuple[str, ...]:
    """The hardware encoders worth probing: those ffmpeg lists, `auto`'s H.264 ones for this platform (`every`:
    every hardware encoder of the table the build lists, for doctor)."""
    order = AUTO_ORDER.get("linux" if platform.startswith("linux") else platform, ())
    pool = order + tuple(n for n in HARDWARE_ENCODERS if n not in order) if every else order
    return tuple(n for n in pool if n in listed)


@dataclass(frozen=True)
class Choice:
    encoding: Encoding  # with the encoder that will run
    note: str  # what was chosen and why, one line for the log and the status


def choose(binary: str, listed: frozenset[str], enc: Encoding, platform: str = sys.platform) -> Choice:
    """`auto` -> the first of this platform's hardware encoders whose test encode works, else libx264."""
    if enc.video_codec != AUTO:
        return Choice(enc, f"Encoder: {enc.video_codec}.")
    tried = candidates(listed, platform)
    results = probe(binary, tried) if tried else {}
    for name in tried:
        if results[name].works:
            return Choice(replace(enc, video_codec=name), f"Encoder: {name} (auto: a hardware encoder works here).")
    why = f"none of {', '.join(tried)} works here" if tried else "this ffmpeg has no hardware H.264 encoder"
    return Choice(replace(enc, video_codec="libx264"), f"Encoder: libx264 (auto: {why}).")
