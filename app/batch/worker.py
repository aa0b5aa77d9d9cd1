"""One batch job in its own process: `python -m app.batch.worker SPEC.json`.

The job gets its own Xvfb + PulseAudio (app.headless) unless it asked for the desktop, its own build port
(the scene runner picks a free one), and the same preflight and Session as `record`. It writes its live
status and, at the end, its result (figures, sha256, or the one-line cause) into `<out>/.batch/`.
SIGTERM (sent by the runner on Ctrl+C, or by the kernel when the runner dies), SIGINT or SIGHUP stops the
recording cleanly (the signal policy of app.signals: a third within 2 s of the second stops it now, without
the final file); the attempt is then "interrupted", and whatever it recorded is moved to `<out>/partial/`.
"""

from __future__ import annotations

import json
import logging
import resource
import signal
import socket
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from app.batch.state import JobFiles, move_aside, sha256_of, write_json
from app.calibration import corrected_offset_ms
from app.errors import RecorderError, ValidationError
from app.ffmpeg.inspect import tracks
from app.headless import headless_for
from app.machine import Machine
from app.preflight import plan as make_plan
from app.processes import keep_secrets_from_children
from app.session import Session
from app.signals import ENDING, EndingSignals, cut_finishing
from app.model.status import RecordingStatus
from app.model.settings import CaptureSettings

log = logging.getLogger(__name__)
STATUS_EVERY_S = 0.5


class _Interrupted(BaseException):
    """SIGTERM before the recording started: unwinds (stopping the private servers) without recording."""


class Attempt:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.files = JobFiles(Path(spec["out"]), spec["name"])
        self.settings = CaptureSettings.from_dict(spec["settings"])
        self.session: Session | None = None
        self.interrupted = False
        self.ending = EndingSignals(self._stop, lambda text: log.warning("%s", text), lambda: cut_finishing())
        self._lock = threading.Lock()
        self._last_write = 0.0

    # -- signals and status -----------------------------------------------------------------------
    def on_signal(self, signum, frame) -> None:
        self.ending.handle(signum, frame)

    def _stop(self, _signum: int) -> None:
        self.interrupted = True
        if self.session is not None:
            self.session.request_stop()
        else:
            raise _Interrupted()

    def status(self, status: RecordingStatus, force: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_write < STATUS_EVERY_S:
                return
            self._last_write = now
            write_json(self.files.status, {
                "state": status.state, "elapsed_s": round(status.elapsed_s, 2), "frames": status.frames,
                "fps": round(status.fps, 1), "size_bytes": status.size_bytes, "attempt": self.spec["attempt"],
                "updated": time.time(),
            })

    # -- the job ----------------------------------------------------------------------------------
    def run(self) -> dict:
        started, clock = time.time(), time.monotonic()
        self.status(RecordingStatus("starting"), force=True)
        try:
            if self.settings.headless:
                with headless_for(self.settings) as servers:
                    outcome = self._record(Machine(env=servers.env(), platform=self.settings.platform))
            else:
                outcome = self._record(Machine(platform=self.settings.platform))
        except _Interrupted:
            outcome = {"status": "interrupted", "error": "Interrupted before the recording started."}
        except ValidationError as exc:
            outcome = {"status": "failed", "error": " ".join(p.message for p in exc.problems), "retry": False}
        except RecorderError as exc:
            outcome = {"status": "failed", "error": exc.message}
        except Exception as exc:  # reported as the job's cause; the traceback goes to its log
            log.exception("job %s failed", self.spec["name"])
            outcome = {"status": "failed", "error": f"Unexpected {type(exc).__name__}: {exc} (see {self.files.log})."}
        for leftover in self.files.leftovers():
            move_aside(leftover, self.files.out)
        usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        return {
            "name": self.spec["name"], "index": self.spec["index"], "attempt": self.spec["attempt"],
            "fingerprint": self.spec["fingerprint"], "host": socket.gethostname(), "status": "failed", "file": "",
            "duration_s": None, "frames": None, "dropped": None, "duplicated": None, "av_offset_ms": None,
            "size_bytes": None, "sha256": "", "finalised": False, "error": None, "retry": True, **outcome,
            "started_at": _iso(started), "finished_at": _iso(time.time()), "wall_s": round(time.monotonic() - clock, 2),
            "cpu_s": round(sum(u.ru_utime + u.ru_stime for u in usage), 2),
        }

    def _record(self, machine: Machine) -> dict:
        plan = make_plan(self.settings, machine)
        self.session = session = Session(plan, on_status=self.status, env=machine.env)
        try:
            session.start()
        except BaseException:
            if session.paths is not None:
                session.stop()
            raise
        session.wait()
        ended_by_itself = session.ended.is_set()
        result = session.stop()
        path = result.path
        done = result.error is None and path is not None and (ended_by_itself or not self.interrupted)
        cut = self.interrupted and self.ending.now_requested  # stopped now: the crash-safe file is kept on purpose
        before_first = path is None and not ended_by_itself  # stopped before the scene's first image: nothing to keep
        status = "done" if done else "interrupted" if self.interrupted and (result.error is None or cut or before_first) else "failed"
        error = result.error or (None if done else "Interrupted: the batch stopped before this job ended.")
        if not done and path is not None and path.exists():
            kept = move_aside(path, self.files.out)
            error = (error or "").replace(f"kept in {path.name}.", f"kept in {_relative(kept, self.files.out)}.")
            path = kept
        return {
            "status": status, "error": error, "file": _relative(path, self.files.out) if path else "",
            "duration_s": round(result.duration_s, 3), "frames": result.frames, "dropped": result.dropped,
            "duplicated": result.duplicated, "size_bytes": path.stat().st_size if path else None,
            "sha256": sha256_of(path) if path else "", "finalised": result.finalised,
            "av_offset_ms": corrected_offset_ms(self.settings),
            "files": listed_files(plan.ffmpeg.path, [path, *result.more], self.files.out) if done and path else [],
        }


def listed_files(ffmpeg: str, paths: list[Path], out: Path) -> list[dict]:
    """What the manifest lists of each file a job wrote: size, sha256, and each track's title, codec and frames
    (a dataset: a track per pass; NAME.frames.jsonl: its rows)."""
    listed = []
    for path in paths:
        entry: dict = {"file": _relative(path, out), "size_bytes": path.stat().st_size, "sha256": sha256_of(path)}
        if path.suffix == ".jsonl":
            with path.open("rb") as rows:
                entry["rows"] = sum(1 for line in rows if line.strip())
        else:
            entry["tracks"] = [asdict(track) for track in tracks(ffmpeg, str(path))]
        listed.append(entry)
    return listed


def _relative(path: Path, out: Path) -> str:
    try:
        return str(path.resolve().relative_to(out.resolve()))
    except ValueError:
        return str(path)


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    keep_secrets_from_children()  # the OBS client (in this process) finds the password; the job's children do not
    spec = json.loads(Path(argv[0]).read_text())
    attempt = Attempt(spec)
    for sig in ENDING:
        signal.signal(sig, attempt.on_signal)
    result = attempt.run()
    write_json(attempt.files.result, result)
    attempt.status(RecordingStatus(result["status"]), force=True)
    return 0 if result["status"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
