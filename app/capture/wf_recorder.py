"""Backend "wf-recorder": the screen of a wlroots Wayland compositor (sway, Hyprland, river, wayfire...).

On a Wayland desktop x11grab sees only Xwayland's empty root window; wlroots compositors instead let a client copy
an output's picture (the wlr-screencopy protocol), which wf-recorder does and encodes with libavcodec. It records
one output (`-o NAME`), or a rectangle inside one (`-g "X,Y WxH"`, the compositor's layout coordinates, which
app.screen.wayland_outputs reads from sway or from the protocol), with the sound of a PulseAudio source
(`--audio=SOURCE`; wf-recorder 0.3 encodes it as AAC 128k).

wf-recorder writes Matroska (`-m matroska`) into a private FIFO, not into the file: writing a file, its libavformat
keeps 256 KiB before the first byte reaches the disk (minutes of a still picture), while into a pipe it hands over
every Matroska cluster (about a second). Our ffmpeg copies that stream into the session's crash-safe file, flushing
every packet (as the ffmpeg route writes), reports frames through `-progress`, and ends it at `--duration` (`-t`).
Finalising then remuxes it to MP4 as on the ffmpeg route. Frames are taken at every screen refresh (`-D`, not only
on damage, so a still picture keeps coming and SIGINT is answered at once) and made a constant rate by an `fps`
filter. Stop: SIGINT to wf-recorder (it closes its stream), our ffmpeg ends at the end of the stream; then the
process trees of whatever is left. The A/V offset (app.calibration) is applied after the stop, by moving the
sound's timestamps in a stream copy.
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterable, Mapping

from app.capture.base import CaptureContext
from app.errors import Problem, RecorderError
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.model.progress import Progress
from app.model.region import Region, RegionSpec, parse_region
from app.model.settings import CaptureSettings
from app.processes import spawn, stop_tree
from app.screen import wayland_outputs
from app.screen.session_type import WAYLAND, session_type

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
FIRST_FRAME_TIMEOUT_S = 5.0  # wf-recorder 0.3 aborts on a SIGINT that comes before its first frame: wait for it
NO_PULSE = "Failed to connect to PulseAudio"  # wf-recorder then records on without sound: we stop instead


def find_binary(env: Mapping[str, str] | None = None) -> str | None:
    return shutil.which("wf-recorder", path=(env or os.environ).get("PATH"))


def unavailable(env: Mapping[str, str] | None = None) -> str | None:
    """Why wf-recorder cannot record here (one line), or None: installed, a Wayland session, wlr-screencopy offered."""
    env = env if env is not None else os.environ
    if find_binary(env) is None:
        return "wf-recorder is not installed: install it (sudo apt install wf-recorder), or use the ffmpeg backend."
    if session_type(env) != WAYLAND:
        return ("wf-recorder records the screen of a Wayland compositor (sway, Hyprland, river), and this is not a "
                "Wayland session: use the ffmpeg backend.")
    try:
        offered = wayland_outputs.interfaces(env)
    except RecorderError as exc:
        return exc.message
    if wayland_outputs.WLR_SCREENCOPY not in offered:
        return ("This Wayland compositor has no wlr-screencopy (GNOME, KDE and weston do not), so wf-recorder cannot "
                "record it: record the TDW window with the ffmpeg backend (--region tdw).")
    return None


def resolve_region(spec: RegionSpec, env: Mapping[str, str], round_odd: bool = False) -> Region:
    """The region on the compositor's outputs (preflight asks this instead of the X display)."""
    return wayland_outputs.resolve(spec, wayland_outputs.outputs(env), round_odd)[0]


def settings_problems(s: CaptureSettings) -> Iterable[Problem]:
    """What wf-recorder cannot be asked: another live container, another sound codec."""
    if s.wants_video and s.encoding.container != "mkv":
        yield Problem("container", "wf-recorder writes the crash-safe recording as Matroska: choose the mkv container.")
    if s.wants_audio and s.encoding.audio_codec != "aac":
        yield Problem("audio", "wf-recorder encodes the sound as AAC only: choose the aac audio codec, or the ffmpeg backend.")


def geometry(region: Region) -> str:
    """`-g`'s form of a rectangle: "X,Y WxH"."""
    return f"{region.x},{region.y} {region.width}x{region.height}"


def record_command(binary: str, stream: Path, s: CaptureSettings, screen: wayland_outputs.Output, region: Region,
                   audio_source: str | None) -> list[str]:
    """One output (or a rectangle of it) to Matroska at a constant `s.fps`, encoded as the settings say."""
    enc = s.encoding
    command = [binary, "-D", "-m", "matroska", "-f", str(stream), "-o", screen.name]
    if region != screen.region:
        command += ["-g", geometry(region)]
    command += ["-c", enc.video_codec, "-F", f"fps={s.fps:g},format={enc.pixel_format}"]
    if enc.video_codec in ("libx264", "libx265"):
        command += ["-p", f"crf={enc.crf}", "-p", f"preset={enc.preset}"]
    if audio_source:
        command.append(f"--audio={audio_source}")
    return command


def copy_command(ffmpeg: str, stream: Path, output: Path, duration: float | None) -> list[str]:
    """Our ffmpeg: wf-recorder's Matroska stream into the crash-safe file, every packet flushed, with progress."""
    return [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y", "-f", "matroska",
            "-i", str(stream), "-map", "0", "-c", "copy", *(["-t", f"{duration:g}"] if duration else []),
            "-flush_packets", "1", "-f", "matroska", str(output)]


def shift_audio_command(ffmpeg: str, path: Path, target: Path, offset_s: float) -> list[str]:
    """The same file with the sound's timestamps moved by `offset_s` (stream copy)."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(path), "-itsoffset", f"{offset_s:.3f}",
            "-i", str(path), "-map", "0:v", "-map", "1:a", "-c", "copy", "-f", "matroska", str(target)]


class WfRecorder:
    def __init__(self, context: CaptureContext) -> None:
        plan, s = context.plan, context.plan.settings
        self.output = context.output
        self._env = dict(context.env if context.env is not None else os.environ)
        self._ffmpeg = plan.ffmpeg.path
        self._duration = float(s.duration) if s.duration else None
        self._offset = plan.audio_offset_s if s.wants_audio and s.wants_video else 0.0
        self._settings = s
        self._audio_source = plan.audio_source if s.wants_audio else None
        self.region = context.region  # preflight's; the output it lies in is found again at start
        self._dir: Path | None = None  # a private folder for the FIFO, made at start
        self._fifo = Path("stream.mkv")
        self.command: list[str] = []
        self._wf: subprocess.Popen | None = None
        self._copier: FfmpegProcess | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=20)
        self._failure: str | None = None
        self._stop_requested = threading.Event()
        self._writing = threading.Event()  # wf-recorder has its first frame (and its writer thread)
        self._stop_lock = threading.Lock()
        self._stopped = False

    def _command(self) -> list[str]:
        """The output (by name: outputs may overlap, e.g. mirrored) from what the user typed, as preflight resolved it."""
        s = self._settings
        region, screen = wayland_outputs.resolve(parse_region(s.region), wayland_outputs.outputs(self._env), s.round_odd_size)
        if self.region is not None and self.region != region:
            raise RecorderError(f"The outputs changed since the region was checked ({self.region}, now {region}): record again.")
        self.region = region
        return record_command(find_binary(self._env) or "wf-recorder", self._fifo, s, screen, region, self._audio_source)

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="tdwrec-wf-"))
        self._fifo = self._dir / "stream.mkv"
        try:
            self.command = self._command()
        except RecorderError as exc:
            shutil.rmtree(self._dir, ignore_errors=True)
            on_ended(exc.message)
            return
        os.mkfifo(self._fifo, 0o600)
        self._copier = FfmpegProcess(copy_command(self._ffmpeg, self._fifo, self.output, self._duration),
                                     on_progress=lambda p: self._progressed(p, on_progress), on_exit=self._copier_ended,
                                     env=self._env)
        self._copier.start()
        log.info("starting: %s", " ".join(self.command))
        # stdin: its "file exists, overwrite?" (the FIFO does) reads an empty answer, which is yes. If we die,
        # SIGINT: wf-recorder still ends its stream.
        self._wf = spawn(self.command, env=self._env, death_signal=signal.SIGINT, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._watch, args=(on_ended,), name="wf-recorder-watch", daemon=True).start()

    def _progressed(self, progress: Progress, on_progress: Callable[[Progress], None]) -> None:
        """Frames written: both ends have the FIFO open, so its folder goes now (nothing is left if we are killed)."""
        if progress.frames and self._dir is not None and self._dir.exists():
            shutil.rmtree(self._dir, ignore_errors=True)
        on_progress(progress)

    def _fail(self, message: str) -> None:
        if self._failure is None and not self._stop_requested.is_set():
            self._failure = message
            threading.Thread(target=self.stop, name="wf-recorder-failed", daemon=True).start()

    def _copier_ended(self, returncode: int) -> None:
        """Our ffmpeg ended: at --duration (a planned end: stop wf-recorder too), or on its own (a failure)."""
        assert self._copier is not None
        if self._stop_requested.is_set():
            return
        if returncode == 0 and self._duration:
            self._stop_requested.set()  # before wf-recorder meets the closed FIFO
            threading.Thread(target=self.stop, name="wf-recorder-duration", daemon=True).start()
        else:
            self._fail(describe_failure(self._copier, returncode))
        self._unblock(os.O_RDONLY)  # wf-recorder waiting for a reader of the FIFO gets one, then a broken pipe

    def _watch(self, on_ended: Callable[[str | None], None]) -> None:
        """wf-recorder's output (kept for errors); when it ends, the copier's end; then one report."""
        assert self._wf is not None and self._wf.stdout is not None and self._copier is not None
        for raw in iter(self._wf.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._tail.append(line)
            if line.startswith("Output #0"):
                self._writing.set()
            if NO_PULSE in line:
                self._fail(f"wf-recorder could not record the sound ({line}): check the audio source, or record "
                           "video only (--mode video).")
        code = self._wf.wait()
        last = self._tail[-1] if self._tail else f"exit code {code}"
        self._fail(f"wf-recorder stopped unexpectedly ({last}).")
        self._unblock(os.O_WRONLY)  # our ffmpeg, if wf-recorder never opened the FIFO, reads its end now
        if self._copier.wait(STOP_TIMEOUT_S) is None:
            self._copier.stop()
        on_ended(self._failure)

    def _unblock(self, mode: int) -> None:
        """Open the FIFO's other end for a moment, so a process waiting in open() on it goes on (and ends)."""
        try:
            os.close(os.open(self._fifo, mode | os.O_NONBLOCK))
        except OSError:
            pass  # nobody waits at that end (or it is gone)

    def stop(self) -> None:
        """SIGINT to wf-recorder, our ffmpeg to the end of its stream, then the trees of what is left; then the A/V
        offset. Waits for a stop already under way, so the file is complete when this returns."""
        self._stop_requested.set()
        with self._stop_lock:
            if self._stopped or self._wf is None or self._copier is None:
                return
            if self._wf.poll() is None:
                self._writing.wait(FIRST_FRAME_TIMEOUT_S)
                self._wf.send_signal(signal.SIGINT)
                try:
                    self._wf.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    log.warning("wf-recorder did not stop within %.0f s; stopping its process tree", STOP_TIMEOUT_S)
                    self._unblock(os.O_RDONLY)
                    stop_tree(self._wf.pid, timeout=5)
            self._unblock(os.O_WRONLY)
            if self._copier.wait(STOP_TIMEOUT_S) is None:
                self._copier.stop()
            if self._offset and self.output.exists() and self.output.stat().st_size:
                self._shift_audio()
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
            self._stopped = True

    def _shift_audio(self) -> None:
        shifted = self.output.with_suffix(".shifting.mkv")
        try:
            done = subprocess.run(shift_audio_command(self._ffmpeg, self.output, shifted, self._offset),
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("the A/V offset could not be applied: %s", exc)
            done = None
        if done is not None and done.returncode == 0 and shifted.exists() and shifted.stat().st_size:
            os.replace(shifted, self.output)
        else:
            log.warning("the A/V offset could not be applied: %s", done.stderr.strip()[-300:] if done else "")
            shifted.unlink(missing_ok=True)

    def progress(self) -> Progress:
        return self._copier.last_stats if self._copier is not None else Progress()

    def pids(self) -> list[int]:
        return [p for p in (self._wf.pid if self._wf else None, self._copier.pid if self._copier else None) if p]


def create(context: CaptureContext) -> WfRecorder:
    return WfRecorder(context)
