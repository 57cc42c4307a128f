"""The built bundle works on its own: `make installer-test` (after `make installer`).

Runs `dist/privdesk/privdesk --self-test` with a clean environment, as on a machine without Python:
no virtual environment on PATH, no PYTHONPATH, HOME in a temporary folder, only the locale and a
minimal PATH kept. The self-test opens the main window offscreen, detects with the bundled models in
a child process (the bundle's own executable), masks with a preset, exports and checks that no gold
PII is left (privdesk/gui/selftest.py). This file lives outside tests/ so `make test` does not run it.

PRIVDESK_BUNDLE=/path/to/privdesk (the folder) tests another bundle, e.g. an unpacked tarball.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXECUTABLE = "privdesk.exe" if sys.platform == "win32" else "privdesk"


def bundle_folder() -> Path:
    folder = Path(os.environ.get("PRIVDESK_BUNDLE") or ROOT / "dist" / "privdesk")
    assert (folder / EXECUTABLE).is_file(), f"no bundle at {folder}: build it first with `make installer`"
    return folder


def clean_environment(home: Path) -> dict[str, str]:
    """What a desktop session would hand the program, and nothing from this Python installation."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "TMPDIR": str(home / "tmp"), "LANG": "C.UTF-8"}
    if sys.platform == "win32":
        env = {key: os.environ[key] for key in ("SYSTEMROOT", "WINDIR", "COMSPEC") if key in os.environ}
        env.update(USERPROFILE=str(home), TEMP=str(home / "tmp"), TMP=str(home / "tmp"))
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def run_bundle(folder: Path, *arguments: str, home: Path, timeout: float = 1500) -> subprocess.CompletedProcess:
    return subprocess.run([str(folder / EXECUTABLE), *arguments], env=clean_environment(home), cwd=home,
                          capture_output=True, text=True, timeout=timeout)


def test_the_bundle_passes_its_self_test(tmp_path):
    folder = bundle_folder()
    started = time.monotonic()
    result = run_bundle(folder, "--self-test", home=tmp_path)
    seconds = time.monotonic() - started
    print(result.stdout)
    assert result.returncode == 0, result.stdout + "\n" + result.stderr[-4000:]
    assert f"self-test (bundle {folder}" in result.stdout  # it ran frozen, not from some Python
    assert result.stdout.count(" ... ok (") == 7
    assert "(child process)" in result.stdout and "no gold PII left" in result.stdout
    assert "SmolLM2 ok" in result.stdout or "SmolLM2 not installed" in result.stdout
    assert "SELF-TEST PASSED" in result.stdout
    print(f"bundle self-test: {seconds:.0f} s")


def test_the_bundle_reads_and_writes_parquet(tmp_path):
    """The same self-test on the Parquet sample: pyarrow's Parquet reader and writer work in the bundle."""
    sample = bundle_folder() / "_internal" / "resources" / "samples" / "bank_transactions.parquet"
    result = run_bundle(bundle_folder(), "--self-test", str(sample), home=tmp_path)
    assert result.returncode == 0, result.stdout + "\n" + result.stderr[-4000:]
    assert "bank_transactions.masked.parquet" in result.stdout and "SELF-TEST PASSED" in result.stdout


def test_the_bundle_reports_a_broken_self_test(tmp_path):
    result = run_bundle(bundle_folder(), "--self-test", str(tmp_path / "missing.csv"), home=tmp_path, timeout=300)
    assert result.returncode == 1
    assert "does not exist" in result.stdout and "SELF-TEST FAILED" in result.stdout


def test_the_bundle_prints_its_version(tmp_path):
    from privdesk import __version__

    result = run_bundle(bundle_folder(), "--version", home=tmp_path, timeout=120)
    assert result.returncode == 0
    assert result.stdout.strip() == f"privdesk {__version__}"


def test_the_bundle_carries_the_desktop_files_and_licences():
    folder = bundle_folder()
    internal = folder / "_internal"
    assert (internal / "resources" / "samples" / "clinical_notes.gold.jsonl").is_file()
    assert (internal / "resources" / "models" / "pii-minilm" / "weights.safetensors").is_file()
    assert (internal / "licenses" / "LGPL-3.0.txt").is_file()
    assert list(internal.glob("presidio_analyzer/conf/*.yaml"))
    assert list(internal.glob("torch-*.dist-info/licenses/LICENSE"))
    # What bundle_plan prunes is gone, and nothing points at it any more.
    assert not (internal / "torch" / "test").exists()
    assert [path.name for path in (internal / "torch" / "bin").iterdir()] == ["torch_shm_manager"]
    assert not list(internal.glob("PySide6/Qt/lib/libQt6WebEngine*")) and not list(internal.glob("**/libQt6Qml*"))
    assert not list(internal.glob("**/libarrow_flight*"))
    assert [str(path) for path in folder.rglob("*") if path.is_symlink() and not path.exists()] == []
    if sys.platform.startswith("linux"):
        assert (folder / "share" / "applications" / "privdesk.desktop").is_file()
        assert (folder / "share" / "icons" / "hicolor" / "256x256" / "apps" / "privdesk.png").is_file()
        assert os.access(folder / "install-linux.sh", os.X_OK)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux install script")
def test_install_linux_puts_the_bundle_menu_entry_and_icons_in_place(tmp_path):
    folder = bundle_folder()
    prefix = tmp_path / "local"
    env = clean_environment(tmp_path)
    subprocess.run(["sh", str(folder / "install-linux.sh"), "--prefix", str(prefix)], env=env, check=True,
                   capture_output=True, text=True, timeout=600)
    installed = prefix / "opt" / "privdesk"
    assert (installed / EXECUTABLE).is_file() and (prefix / "bin" / "privdesk").resolve() == installed / EXECUTABLE
    entry = (prefix / "share" / "applications" / "privdesk.desktop").read_text(encoding="utf-8")
    assert f"Exec={installed}/privdesk %f" in entry and "Icon=privdesk" in entry
    assert (prefix / "share" / "icons" / "hicolor" / "48x48" / "apps" / "privdesk.png").is_file()
    assert (prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / "privdesk.svg").is_file()
    version = subprocess.run([str(prefix / "bin" / "privdesk"), "--version"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert version.returncode == 0
    subprocess.run(["sh", str(folder / "install-linux.sh"), "--prefix", str(prefix), "--uninstall"], env=env,
                   check=True, capture_output=True, timeout=120)
    assert not installed.exists() and not (prefix / "share" / "applications" / "privdesk.desktop").exists()


def test_the_tarball_holds_the_bundle():
    from privdesk import __version__

    tarballs = sorted((ROOT / "dist").glob(f"privdesk-{__version__}-*.tar.gz"))
    if sys.platform == "win32":
        pytest.skip("Windows gets the NSIS installer (installer/windows/privdesk.nsi), not a tarball")
    assert tarballs, "no tarball in dist/: `make installer` packs one"
    with tarfile.open(tarballs[-1]) as archive:
        names = set(archive.getnames())
    assert f"privdesk/{EXECUTABLE}" in names and "privdesk/install-linux.sh" in names
    assert "privdesk/_internal/resources/samples/clinical_notes.csv" in names
