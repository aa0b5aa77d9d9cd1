"""Measure A/V offset in a recording of the flash + beep source: picture onsets vs sound onsets.

ffmpeg itself reads the file (the embedded one has no ffprobe) and prints, per video frame, the mean
luma and, per 5 ms of audio, the RMS level, each with its presentation time: both streams on the
timeline a player uses, so the offset found is the offset a viewer sees. Pure functions below do the
onset detection and statistics so they can be tested on plain lists.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.errors import RecorderError

AUDIO_WINDOW = 240  # samples at 48 kHz: 5 ms per RMS value
# Events over less time than this give no drift figure worth printing. A `--seconds 60` check has events over
# ~57 s (the source starts after its sound runs steadily), so that is what the message asks for.
DRIFT_SPAN_S = 50.0
PAIR_WINDOW_S = 0.45  # events come once a second: a beep further than this from its flash is another event's
_FRAME = re.compile(r"pts_time:(-?[\d.]+)\s*\n\s*[\w.]+=(-?[\d.]+|-?inf|nan)")


@dataclass(frozen=True)
class SyncReport:
    offsets_ms: tuple[float, ...]  # audio onset minus picture onset, per event (positive: sound is late)
    flashes: int
    beeps: int
    times_s: tuple[float, ...] = ()  # when each paired flash happened in the recording
    # further audio tracks (sync-check --audio): (source, its report against the same flashes, or why none)
    tracks: tuple[tuple[str, "SyncReport | str"], ...] = ()

    @property
    def drift_ms_per_min(self) -> float:
        """Least-squares slope of the offset over time: a clock drifting between the two inputs shows here."""
        if len(self.times_s) < 3 or len(self.times_s) != len(self.offsets_ms):
            return 0.0
        mt, mo = statistics.fmean(self.times_s), statistics.fmean(self.offsets_ms)
        var = sum((t - mt) ** 2 for t in self.times_s)
        cov = sum((t - mt) * (o - mo) for t, o in zip(self.times_s, self.offsets_ms))
        return cov / var * 60.0 if var else 0.0

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.offsets_ms)

    @property
    def spread_ms(self) -> float:
        return max(self.offsets_ms) - min(self.offsets_ms)

    @property
    def stdev_ms(self) -> float:
        return statistics.stdev(self.offsets_ms) if len(self.offsets_ms) > 1 else 0.0

    def summary(self) -> str:
        # Each event is seen up to a frame late at random, so over a few seconds that scatter alone makes a slope
        # of tens of ms/min: drift is only told from a minute of events on.
        span = self.times_s[-1] - self.times_s[0] if self.times_s else 0.0
        drift = (f"drift {self.drift_ms_per_min:+.1f} ms/min" if span >= DRIFT_SPAN_S
                 else "drift not measured (needs a minute of events: --seconds 60)")
        return (f"A/V offset {self.mean_ms:+.0f} ms (sound {'late' if self.mean_ms >= 0 else 'early'}), spread "
                f"{self.spread_ms:.0f} ms, stdev {self.stdev_ms:.0f} ms, {drift}, over {len(self.offsets_ms)} events "
                f"({self.flashes} flashes, {self.beeps} beeps seen)")


def _series(binary: str, path: Path, stream: str, chain: str) -> list[tuple[float, float]]:
    """(pts_time, value) per frame of one stream, from ffmpeg's metadata printer."""
    with tempfile.TemporaryDirectory(prefix="tdw-sync-") as tmp:
        out = Path(tmp) / "values.txt"
        flag = "-vf" if stream == "v" else "-af"  # stream: "v", or "a:N" for the Nth audio track
        done = subprocess.run(
            [binary, "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path), "-map", f"0:{stream}",
             flag, f"{chain}:file={out.as_posix()}", "-f", "null", "-"],
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0 or not out.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RecorderError(f"Could not read the sync recording {path.name}: {last}")
        text = out.read_text()
    values = []
    for t, v in _FRAME.findall(text):
        values.append((float(t), -200.0 if "inf" in v or v == "nan" else float(v)))
    return values


def luma_series(binary: str, path: Path, crop: str = "") -> list[tuple[float, float]]:
    """Mean luma per frame; `crop` (ffmpeg's W:H:X:Y) limits it to where the test window is in a larger picture."""
    first = f"crop={crop}," if crop else ""
    return _series(binary, path, "v", f"{first}scale=32:32,signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG")


def loudness_series(binary: str, path: Path, track: int = 0) -> list[tuple[float, float]]:
    chain = (f"aresample=48000,pan=mono|c0=c0,asetnsamples=n={AUDIO_WINDOW}:p=0,astats=metadata=1:reset=1,"
             "ametadata=mode=print:key=lavfi.astats.Overall.RMS_level")
    return _series(binary, path, f"a:{track}", chain)


def onsets(series: list[tuple[float, float]], threshold: float, min_gap: float = 0.5) -> list[float]:
    """Times where the value rises through `threshold`, at least `min_gap` seconds apart."""
    found: list[float] = []
    for (_, before), (t, value) in zip(series, series[1:]):
        if before < threshold <= value and (not found or t - found[-1] >= min_gap):
            found.append(t)
    return found


def flash_onsets(luma: list[tuple[float, float]]) -> list[float]:
    """Flash starts; each moved half a frame earlier, since the flash began somewhere since the last grab."""
    values = sorted(v for _, v in luma)
    if len(values) < 3 or values[-1] - values[len(values) // 10] < 40:
        return []
    threshold = (values[len(values) // 10] + values[-1]) / 2
    steps = [b - a for (a, _), (b, _) in zip(luma, luma[1:])]
    half_frame = statistics.median(steps) / 2 if steps else 0.0
    return [t - half_frame for t in onsets(luma, threshold)]


def beep_onsets(loudness: list[tuple[float, float]]) -> list[float]:
    """Beep starts: the level rises to within 20 dB of the loudest beep, from well below it."""
    peak = max((v for _, v in loudness), default=-200.0)
    if peak < -50:
        return []
    return onsets(loudness, peak - 20)


def pair(flashes: list[float], beeps: list[float]) -> list[tuple[float, float]]:
    """(flash time, offset in ms of the nearest beep) for each flash that has a beep within PAIR_WINDOW_S."""
    pairs = []
    for flash in flashes:
        near = [b - flash for b in beeps if abs(b - flash) <= PAIR_WINDOW_S]
        if near:
            pairs.append((flash, min(near, key=abs) * 1000.0))
    return pairs


def measure(binary: str, path: Path, crop: str = "", track: int = 0) -> SyncReport:
    """The per-event offsets in a recording of the flash + beep source (its `track`th sound track); one-line
    errors when it cannot."""
    flashes = flash_onsets(luma_series(binary, path, crop))
    beeps = beep_onsets(loudness_series(binary, path, track))
    if not flashes:
        raise RecorderError("No flashes were seen in the sync recording: the test window was not recorded.")
    if not beeps:
        raise RecorderError("No beeps were heard in the sync recording: check that the audio source is what the computer plays.")
    pairs = pair(flashes, beeps)
    if len(pairs) < 2:
        raise RecorderError(f"Only {len(pairs)} of {len(flashes)} flashes had one of the {len(beeps)} beeps near them: "
                            "record longer (--seconds), or check that nothing else plays sound.")
    return SyncReport(tuple(o for _, o in pairs), len(flashes), len(beeps), tuple(t for t, _ in pairs))
