"""Checks of a TDW scene before it runs: its script compiles, its build exists, its port is free."""

from __future__ import annotations

import socket
from pathlib import Path

from app.errors import Problem, RecorderError
from app.model.settings import CaptureSettings


def scene_problems(settings: CaptureSettings) -> list[Problem]:
    from app.scene.build import find_build
    from app.scene.runner import resolve_script

    problems = []
    try:
        script = resolve_script(settings.scene)
    except RecorderError as exc:
        problems.append(Problem("scene", exc.message))
    else:
        message = python_problem(script)
        if message:
            problems.append(Problem("scene", message))
    try:
        find_build(settings.build or None)
    except RecorderError as exc:
        problems.append(Problem("build", exc.message))
    if isinstance(settings.port, int) and 0 < settings.port <= 65535 and not port_free(settings.port):
        problems.append(Problem("port", f"Port {settings.port} is in use (another recording or TDW build?): "
                                        "leave the port out to use a free one, or pick another."))
    return problems


def python_problem(script: Path) -> str | None:
    """Why a controller script cannot run at all (unreadable, or not Python); None when it compiles."""
    try:
        source = script.read_bytes()
    except OSError as exc:
        return f"Scene script {script} cannot be read ({exc.strerror}): check its permissions."
    try:
        compile(source, str(script), "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"Scene script {script.name} is not valid Python (line {exc.lineno}: {exc.msg}): fix it or choose your controller's .py file."
    except ValueError:  # e.g. null bytes: a binary file named .py
        return f"Scene script {script.name} is not a Python file: choose your controller's .py file."
    return None


def port_free(port: int) -> bool:
    """True when the controller could bind `port` now (it binds tcp://*:port, as tdw's Controller does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True
