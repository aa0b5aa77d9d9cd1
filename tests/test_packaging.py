"""packaging/ and resources/: the validators pass, the icons are found from a checkout, an installed wheel and a
PyInstaller bundle. Building the bundle and the wheel takes about 3 minutes; TDW_RECORDER_BUNDLE_TEST=0 skips them
in a quick local run (CI always runs them)."""

import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app import __version__
from app.resources import APP_ID, ICON_SIZES, icon_png, icon_pngs, icon_svg, resource_path

ROOT = Path(__file__).parent.parent
PACKAGING = ROOT / "packaging"
BUNDLE_TEST = os.environ.get("TDW_RECORDER_BUNDLE_TEST", "1") != "0"


def run_tool(*argv: str) -> subprocess.CompletedProcess:
    assert shutil.which(argv[0]), f"{argv[0]} is missing: scripts/bootstrap.sh installs it (desktop-file-utils, appstream)"
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_the_packaged_desktop_file_validates():
    done = run_tool("desktop-file-validate", str(PACKAGING / f"{APP_ID}.desktop"))
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_metainfo_validates_and_matches_the_app():
    metainfo = PACKAGING / f"{APP_ID}.metainfo.xml"
    done = run_tool("appstreamcli", "validate", "--no-net", str(metainfo))
    assert done.returncode == 0, done.stdout + done.stderr
    root = ET.parse(metainfo).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.find("releases/release").get("version") == __version__
    assert (PACKAGING / root.findtext("launchable")).is_file()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_resource_path_finds_every_icon_in_the_checkout():
    assert icon_svg() == ROOT / "resources" / "tdw-recorder.svg"
    assert ET.parse(icon_svg()).getroot().tag.endswith("svg")
    assert sorted(icon_pngs()) == list(ICON_SIZES)
    for size in ICON_SIZES:
        assert png_size(icon_png(size)) == (size, size)
    assert resource_path("tdw-recorder.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    with pytest.raises(FileNotFoundError, match="reinstall"):
        resource_path("no-such-file.png")


def run_python(code: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-I", "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_resource_path_in_a_pyinstaller_bundle_looks_in_meipass(tmp_path):
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "tdw-recorder.svg").write_text("<svg/>")
    found = run_python(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        sys.frozen, sys._MEIPASS = True, {str(tmp_path)!r}
        from app.resources import icon_svg
        print(icon_svg())
    """)
    assert found == str(tmp_path / "resources" / "tdw-recorder.svg")


def test_resource_path_in_an_installed_wheel_uses_the_distributions_files(tmp_path):
    """The layout pip makes from the wheel: app/ in site-packages, resources in <prefix>/share/tdw-recorder."""
    site = tmp_path / "lib" / "python3" / "site-packages"
    (site / "app").mkdir(parents=True)
    for name in ("__init__.py", "resources.py"):
        shutil.copy(ROOT / "app" / name, site / "app" / name)
    share = tmp_path / "share" / "tdw-recorder"
    share.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "tdw-recorder-48.png", share)
    info = site / f"tdw_recorder-{__version__}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: tdw-recorder\nVersion: {__version__}\n")
    (info / "RECORD").write_text("app/__init__.py,,\napp/resources.py,,\n../../../share/tdw-recorder/tdw-recorder-48.png,,\n")
    found = run_python(f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        from app.resources import icon_png, icon_pngs
        print(icon_png(48)); print(sorted(icon_pngs()))
    """)
    assert found.splitlines() == [str(share / "tdw-recorder-48.png"), "[48]"]


def test_pyproject_ships_resources_as_data_files():
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"\[tool\.setuptools\.data-files\]\n(.*?)(\n\n|\Z)", text, re.S).group(1)
    assert '"share/tdw-recorder"' in block and "resources/*.png" in block and "resources/*.svg" in block


def test_the_bundle_entry_runs_python_modules_like_python_does():
    sys.path.insert(0, str(PACKAGING))
    try:
        from bundle_main import outside_environment, python_module
    finally:
        sys.path.remove(str(PACKAGING))
    assert python_module(["-u", "-m", "app.scene.child", "{}"]) == ("app.scene.child", ["{}"], True)
    assert python_module(["-m", "app.sync.source", "--shift-ms", "0"]) == ("app.sync.source", ["--shift-ms", "0"], False)
    assert python_module(["record", "-m"]) is None and python_module([]) is None
    bundle = "/opt/tdw-recorder/_internal"
    env = {"LD_LIBRARY_PATH": bundle, "QT_PLUGIN_PATH": f"{bundle}/PySide6/Qt/plugins", "PATH": "/usr/bin"}
    assert outside_environment(env, bundle) == {"PATH": "/usr/bin"}
    env = {"LD_LIBRARY_PATH": f"{bundle}:/mine", "LD_LIBRARY_PATH_ORIG": "/mine", "QT_PLUGIN_PATH": "/my/plugins"}
    assert outside_environment(env, bundle) == {"LD_LIBRARY_PATH": "/mine", "QT_PLUGIN_PATH": "/my/plugins"}


@pytest.mark.skipif(not BUNDLE_TEST, reason="TDW_RECORDER_BUNDLE_TEST=0: the bundle build is skipped")
@pytest.mark.timeout(1800)
def test_the_bundle_builds_and_starts(tmp_path):
    import PyInstaller  # noqa: F401  (in the test extra: CI builds the bundle)
    done = subprocess.run(["bash", str(PACKAGING / "build_and_check.sh"), str(tmp_path)], env={**os.environ, "PYTHON": sys.executable},
                          capture_output=True, text=True, timeout=1700)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "OK: " in done.stderr


@pytest.mark.skipif(not BUNDLE_TEST, reason="TDW_RECORDER_BUNDLE_TEST=0: the wheel build is skipped")
@pytest.mark.timeout(600)
def test_the_wheel_installs_the_commands_and_the_icons(tmp_path):
    source = tmp_path / "source"  # a copy: setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                                                ".pytest_cache", ".import_linter_cache", "*.mkv", "*.mp4"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
                   check=True, capture_output=True, timeout=500)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    site = Path(run_python("import sysconfig; print(sysconfig.get_path('purelib'))"))
    [venv_site] = venv.glob("lib/python*/site-packages")
    (venv_site / "zz_test_dependencies.pth").write_text(f"{site}\n")  # the dependencies, without downloading them
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    version = subprocess.run([str(venv / "bin" / "tdw-recorder-gui"), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert version.stdout.strip() == f"tdw-recorder {__version__}"
    done = subprocess.run([str(venv / "bin" / "tdw-recorder"), "install-desktop-entry"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "data" / "applications" / f"{APP_ID}.desktop"
    assert f"Exec={venv / 'bin' / 'tdw-recorder-gui'}" in entry.read_text().splitlines()
    icon = tmp_path / "data" / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png"
    assert icon.read_bytes() == (ROOT / "resources" / "tdw-recorder-256.png").read_bytes()  # from <venv>/share
