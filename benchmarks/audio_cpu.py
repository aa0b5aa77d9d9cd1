"""Benchmark: CPU of an audio-only recording (a tone playing on a private PulseAudio), engine vs bare ffmpeg.

    .venv/bin/python benchmarks/audio_cpu.py --seconds 60 --rounds 2

In one run, on its own PulseAudio (one null sink, a 440 Hz tone playing into it for the whole run), it
alternates three ways of recording the sink's monitor for `--seconds`:
    engine      what `tdw-recorder record --mode audio --audio default --duration S` does, in this process:
                plan -> Session.start() -> wait() -> stop() (live FLAC in Matroska + level meter, then
                the FLAC file);
    engine-cmd  the engine's very ffmpeg command line, run bare with Popen (only the output and the level
                meter's file differ): what the command costs, without the engine around it;
    bare        plain `ffmpeg -f pulse -i <sink>.monitor -t S -c:a flac out.flac`.
and reports, per round, in % of one core over the recording's wall time:
  * ffmpeg's CPU, exact: getrusage(RUSAGE_CHILDREN) delta over that ffmpeg's life (nothing else is reaped
    then; the engine's ffmpeg runs under a tiny `sh`/`setpriv` guard, counted with it);
  * this process's own CPU (getrusage(RUSAGE_SELF) delta) over the same window: the engine's threads (progress
    and stderr readers, level meter, status); the same figure in the bare modes is the harness's floor;
  * for context, PulseAudio's and the tone player's CPU (psutil, read before and after) and the whole
    machine's busy time (/proc/stat), since other people's work shares the CPUs.
The finalise step (Matroska -> .flac, a copy) is timed apart, as its CPU is not part of recording.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.machine import Machine  # noqa: E402
from app.preflight import plan as make_plan  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from app.session import Session  # noqa: E402
from app.model.settings import CaptureSettings  # noqa: E402
from tests.support.servers import PulseServer  # noqa: E402

MODES = ("engine", "engine-cmd", "bare")


@dataclass
class Round:
    mode: str
    index: int
    wall_s: float = 0.0
    ffmpeg_cpu_s: float = 0.0
    self_cpu_s: float = 0.0
    pulse_cpu_s: float = 0.0
    tone_cpu_s: float = 0.0
    machine_busy_s: float = 0.0
    audio_s: float = 0.0
    finalise_s: float | None = None
    error: str | None = None

    def pct(self, seconds: float) -> float:
        return 100.0 * seconds / self.wall_s if self.wall_s else float("nan")


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _busy() -> float:
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def _proc_cpu(pid: int) -> float:
    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system + t.children_user + t.children_system
    except psutil.NoSuchProcess:
        return 0.0


def audio_seconds(path: Path) -> float:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    try:
        return float(done.stdout.strip())
    except ValueError:
        return 0.0


class Bench:
    def __init__(self, seconds: float, workdir: Path) -> None:
        self.seconds = seconds
        self.workdir = workdir
        self.pulse = PulseServer().start()
        self.env = self.pulse.env()
        self.tone = spawn(["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                           "sine=frequency=440:sample_rate=48000", "-f", "pulse", "bench-tone"],
                          env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        self.engine_command: list[str] | None = None
        self.engine_output = ""
        self.engine_levels = ""

    def _window(self, r: Round, run) -> None:
        """Measure everything around `run()`, which returns once the recording ffmpeg has been reaped."""
        kids0, self0, busy0 = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF), _busy()
        pulse0, tone0 = _proc_cpu(self.pulse.proc.pid), _proc_cpu(self.tone.pid)
        t0 = time.monotonic()
        run()
        t1 = time.monotonic()
        self1, kids1, busy1 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), _busy()
        r.pulse_cpu_s, r.tone_cpu_s = _proc_cpu(self.pulse.proc.pid) - pulse0, _proc_cpu(self.tone.pid) - tone0
        r.wall_s, r.ffmpeg_cpu_s, r.self_cpu_s, r.machine_busy_s = t1 - t0, kids1 - kids0, self1 - self0, busy1 - busy0

    def run_engine(self, index: int) -> Round:
        r = Round("engine", index)
        settings = CaptureSettings(mode="audio", audio="default", duration=self.seconds,
                                   output_dir=str(self.workdir / f"engine-{index}"))
        session = Session(make_plan(settings, Machine(env=self.env)), env=self.env)
        ended: list[bool] = []
        self._window(r, lambda: (session.start(), ended.append(session.wait(self.seconds + 30))))
        assert session.recorder is not None and session.paths is not None
        self.engine_command = list(session.recorder.command)
        self.engine_output = str(session.paths.recording)
        self.engine_levels = str(session.recorder.meter.path.parent) if session.recorder.meter else ""
        f0 = time.monotonic()
        result = session.stop()
        r.finalise_s = time.monotonic() - f0
        r.error = result.error if ended and ended[0] else "did not end by itself"
        if result.path is not None:
            r.audio_s = audio_seconds(result.path)
        return r

    def _run_bare(self, r: Round, cmd: list[str], output: Path) -> Round:
        log = output.with_suffix(".log")
        with open(log, "wb") as err:
            proc: list[subprocess.Popen] = []

            def run() -> None:
                proc.append(spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, env=self.env))
                code = proc[0].wait()  # a plain blocking wait: nothing polled while it records
                if code != 0:
                    r.error = f"ffmpeg exited {code}: {log.read_text(errors='replace').strip()[-200:]}"

            self._window(r, run)
        r.audio_s = audio_seconds(output)
        return r

    def run_engine_cmd(self, index: int) -> Round:
        out = self.workdir / f"engine-cmd-{index}"
        out.mkdir(parents=True)
        output, levels = out / "engine-cmd.mka", out / "levels"
        levels.mkdir()
        assert self.engine_command is not None
        cmd = [str(output) if a == self.engine_output else a.replace(self.engine_levels, str(levels))
               for a in self.engine_command]
        return self._run_bare(Round("engine-cmd", index), cmd, output)

    def run_bare(self, index: int) -> Round:
        out = self.workdir / f"bare-{index}"
        out.mkdir(parents=True)
        output = out / "bare.flac"
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "pulse", "-i",
               f"{self.pulse.sink}.monitor", "-t", f"{self.seconds:g}", "-c:a", "flac", str(output)]
        return self._run_bare(Round("bare", index), cmd, output)

    def close(self) -> None:
        stop_tree(self.tone.pid, timeout=3)
        self.pulse.stop()


def median(values) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def report(rounds: list[Round], seconds: float) -> None:
    print("\nPer round (in the order run), CPU in % of one core over the recording's wall time:")
    head = (f"{'round':<14} {'wall s':>7} {'audio s':>7} {'ffmpeg%':>8} {'own%':>6} {'pulse%':>7} {'tone%':>6} "
            f"{'machine%':>8} {'finalise s':>10}")
    print(head)
    print("-" * len(head))
    for r in rounds:
        fin = f"{r.finalise_s:10.2f}" if r.finalise_s is not None else f"{'-':>10}"
        print(f"{r.mode + ' ' + str(r.index):<14} {r.wall_s:7.2f} {r.audio_s:7.2f} {r.pct(r.ffmpeg_cpu_s):8.2f} "
              f"{r.pct(r.self_cpu_s):6.2f} {r.pct(r.pulse_cpu_s):7.2f} {r.pct(r.tone_cpu_s):6.2f} "
              f"{r.pct(r.machine_busy_s):8.1f} {fin}")
        if r.error:
            print(f"               ! {r.error}")
    print(f"\nMedian over rounds ({seconds:g} s each):")
    print(f"{'':<44} " + " ".join(f"{m:>10}" for m in MODES))
    rows = [("ffmpeg CPU % of one core", lambda r: r.pct(r.ffmpeg_cpu_s)),
            ("own CPU % of one core (engine: beyond ffmpeg)", lambda r: r.pct(r.self_cpu_s)),
            ("ffmpeg + own CPU %", lambda r: r.pct(r.ffmpeg_cpu_s + r.self_cpu_s)),
            ("ffmpeg + own CPU ms per second of audio", lambda r: 1000 * (r.ffmpeg_cpu_s + r.self_cpu_s) / r.audio_s
             if r.audio_s else float("nan")),
            ("PulseAudio CPU % (context)", lambda r: r.pct(r.pulse_cpu_s)),
            ("machine busy % (200 = both cores)", lambda r: r.pct(r.machine_busy_s)),
            ("audio recorded s", lambda r: r.audio_s)]
    for label, fn in rows:
        cells = [median(fn(r) for r in rounds if r.mode == m) for m in MODES]
        print(f"{label:<44} " + " ".join(f"{c:>10.2f}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each recording (default 60)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of engine / engine-cmd / bare (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the recordings and print their folder")
    args = parser.parse_args()
    if not (shutil.which("pulseaudio") and shutil.which("pactl") and shutil.which("ffprobe")):
        print("needs pulseaudio, pactl (pulseaudio-utils), ffmpeg and ffprobe", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="tdwrec-audio-bench-"))
    print(f"TDW Recorder audio CPU benchmark: {args.seconds:g} s per recording, {args.rounds} round(s) of {', '.join(MODES)}")
    print(f"host: {platform.node()}  {os.cpu_count()} CPUs  python {platform.python_version()}  "
          f"nice {os.nice(0)}  load avg at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0])
    bench = Bench(args.seconds, workdir)
    rounds: list[Round] = []
    try:
        for i in range(1, args.rounds + 1):
            for mode in MODES:
                r = getattr(bench, f"run_{mode.replace('-', '_')}")(i)
                print(f"  {mode} round {i}: ffmpeg {r.pct(r.ffmpeg_cpu_s):.2f} %, own {r.pct(r.self_cpu_s):.2f} %",
                      flush=True)
                rounds.append(r)
    finally:
        bench.close()
    print("engine's ffmpeg command (engine-cmd runs it bare; output and level file differ):")
    print("  " + " ".join(bench.engine_command or []))
    print(f"load avg at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report(rounds, args.seconds)
    if args.keep:
        print(f"\nrecordings kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if not any(r.error for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
