"""A fake fmedia (https://stsaz.github.io/fmedia/) with the flags TDW Recorder and TDW's AudioUtils use, on PulseAudio.

  fmedia --list-dev
      "Playback/Loopback:" and "Capture:" lists of "device #N: DESCRIPTION[ - Default]": the server's sinks
      and sources in the server's order, named by their description, as fmedia's PulseAudio module lists them.
  fmedia --record [--dev-capture=N] --out=FILE.wav [--globcmd=listen] [--globcmd.pipe-name=NAME] [-y] [--until=[MM:]SS]
      records source N (1-based; default: the default source) with parec into a 16-bit 48 kHz stereo WAV
      whose sizes are written when the recording ends; refuses an existing FILE unless -y/--overwrite.
      With --globcmd=listen it takes commands on the unix socket /tmp/.NAME-unix-UID (NAME: "fmedia" unless
      given), as fmedia does: `stop` ends the recording (the file is complete; the process goes on
      listening), `quit` ends it and the process. SIGTERM/SIGINT also end it with a complete file; SIGKILL
      leaves the header's placeholder sizes, as a killed fmedia does.
  fmedia --globcmd=stop|quit [--globcmd.pipe-name=NAME]
      sends the command to the fmedia listening on NAME and exits (exit code 1 when none listens).

Each call's arguments are appended, one line each, to $FAKE_FMEDIA_LOG when it is set.
"""
from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from typing import Dict, List, Tuple

RATE, CHANNELS, BYTES = 48000, 2, 2
PLACEHOLDER = 0xFFFFFFFF


def parse(argv: List[str]) -> Dict[str, str]:
    options: Dict[str, str] = {}
    for arg in argv:
        if arg in ("-y", "--overwrite"):
            options["overwrite"] = "1"
        elif arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            options[name] = value
        else:
            options.setdefault("input", arg)
    return options


def pactl(*args: str) -> str:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, check=True).stdout


def described(kind: str) -> List[Tuple[str, str]]:
    """(name, description) of every sink or source, in the server's order."""
    found, name = [], None
    for raw in pactl("list", kind).splitlines():
        line = raw.strip()
        if line.startswith("Name:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("Description:") and name is not None:
            found.append((name, line.split(":", 1)[1].strip()))
            name = None
    return found


def default(kind: str) -> str:
    for line in pactl("info").splitlines():
        if line.startswith(f"Default {kind}:"):
            return line.split(":", 1)[1].strip()
    return ""


def list_devices() -> int:
    for title, kind, which in (("Playback/Loopback", "sinks", "Sink"), ("Capture", "sources", "Source")):
        print(f"{title}:")
        chosen = default(which)
        for n, (name, description) in enumerate(described(kind), start=1):
            print(f"device #{n}: {description}{' - Default' if name == chosen else ''}")
    return 0


def pipe_path(options: Dict[str, str]) -> str:
    return f"/tmp/.{options.get('globcmd.pipe-name') or 'fmedia'}-unix-{os.getuid()}"


def send(options: Dict[str, str], command: str) -> int:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(pipe_path(options))
            client.sendall(command.encode() + b"\n")
    except OSError as exc:
        print(f"globcmd: pipe connect: {pipe_path(options)}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def wav_header(data_size: int) -> bytes:
    riff = PLACEHOLDER if data_size == PLACEHOLDER else 36 + data_size
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, CHANNELS, RATE,
            RATE * CHANNELS * BYTES, CHANNELS * BYTES, 8 * BYTES) + b"data" + struct.pack("<I", data_size))


class Recording:
    def __init__(self, source: str, path: str) -> None:
        self.file = open(path, "wb")
        self.file.write(wav_header(PLACEHOLDER))
        self.file.flush()
        self.size = 0
        self.lock = threading.Lock()
        self.parec = subprocess.Popen(
            ["parec", f"--device={source}", "--format=s16le", f"--rate={RATE}", f"--channels={CHANNELS}",
             "--latency-msec=50", "--client-name=fmedia", "--stream-name=fmedia recording"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.copier = threading.Thread(target=self.copy, daemon=True)
        self.copier.start()

    def copy(self) -> None:
        assert self.parec.stdout is not None
        for chunk in iter(lambda: self.parec.stdout.read1(8192), b""):
            with self.lock:
                if self.file.closed:
                    return
                self.file.write(chunk)
                self.file.flush()
                self.size += len(chunk)

    def finish(self) -> None:
        """Stop capturing and write the real sizes into the header (safe to call more than once)."""
        if self.parec.poll() is None:
            self.parec.terminate()
            self.parec.wait()
        self.copier.join(timeout=5)
        with self.lock:
            if self.file.closed:
                return
            self.size -= self.size % (CHANNELS * BYTES)
            self.file.truncate(len(wav_header(0)) + self.size)
            self.file.seek(0)
            self.file.write(wav_header(self.size))
            self.file.close()


def until_seconds(text: str) -> float:
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def record(options: Dict[str, str]) -> int:
    out = options.get("out", "")
    if not out:
        print("error: --record needs --out=FILE", file=sys.stderr)
        return 1
    if os.path.exists(out) and "overwrite" not in options:
        print(f"error: {out}: file exists", file=sys.stderr)
        return 1
    sources = [name for name, _ in described("sources")]
    number = options.get("dev-capture", "")
    if number and not (number.isdigit() and 1 <= int(number) <= len(sources)):
        print(f"error: no capture device #{number}", file=sys.stderr)
        return 1
    source = sources[int(number) - 1] if number else default("Source")
    recording = Recording(source, out)
    print(f"Recording from {source} to {out}", flush=True)
    done = threading.Event()

    def quit_now(*_args) -> None:
        recording.finish()
        done.set()

    signal.signal(signal.SIGTERM, quit_now)
    signal.signal(signal.SIGINT, quit_now)
    if options.get("until"):
        threading.Timer(until_seconds(options["until"]), quit_now).start()
    listener = None
    if options.get("globcmd") == "listen":
        listener = threading.Thread(target=listen, args=(pipe_path(options), recording, done), daemon=True)
        listener.start()
    while not done.wait(0.2):
        if recording.parec.poll() is not None and listener is None:
            break
    recording.finish()
    if listener is not None:
        listener.join(timeout=2)
    return 0


def listen(path: str, recording: Recording, done: threading.Event) -> None:
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    server.settimeout(0.1)
    try:
        while not done.is_set():
            try:
                peer, _ = server.accept()
            except socket.timeout:
                continue
            peer.settimeout(5)
            with peer:
                commands = b""
                for chunk in iter(lambda: peer.recv(1024), b""):
                    commands += chunk
            for command in commands.decode("utf-8", "replace").split():
                if command == "stop":
                    recording.finish()
                elif command == "quit":
                    recording.finish()
                    done.set()
    finally:
        server.close()
        os.unlink(path)


def main(argv: List[str]) -> int:
    if os.environ.get("FAKE_FMEDIA_LOG"):
        with open(os.environ["FAKE_FMEDIA_LOG"], "a", encoding="utf-8") as log:
            log.write(" ".join(["fmedia", *argv]) + "\n")
    options = parse(argv)
    if "list-dev" in options:
        return list_devices()
    if "record" in options:
        return record(options)
    if options.get("globcmd") in ("stop", "quit"):
        return send(options, options["globcmd"])
    print("fake fmedia: unsupported arguments " + " ".join(argv), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
