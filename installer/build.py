"""Build the PrivDesk bundle: `python installer/build.py` (what `make installer` runs).

1. runs PyInstaller on installer/privdesk.spec (one folder: dist/privdesk/);
2. on Linux, removes the debug sections that some shared libraries carry (Cython modules such as
   spaCy's, and libpython: about 150 MB) with `strip --strip-debug`, keeping their symbol tables;
3. adds what a desktop install needs beside the executable (the .desktop file, the icon theme
   folder, install-linux.sh) on Linux;
4. prints the bundle's size, its largest parts and the time taken;
5. packs dist/privdesk-<version>-<os>-<arch>.tar.gz (Linux and macOS; Windows uses the NSIS script).

Options: --skip-pyinstaller (re-pack an existing bundle), --no-tarball, --clean (PyInstaller's cache
too). PRIVDESK_BUNDLE_SMOLLM2=0 leaves the SmolLM2 model out (see installer/bundle_plan.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "privdesk"
PYINSTALLER_VERSION = "6.22.3"  # keep in step with the Makefile's pin


def version() -> str:
    """PrivDesk's version, read from the package source (importing it is not needed)."""
    text = (ROOT / "privdesk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit("build: cannot find __version__ in privdesk/__init__.py")
    return match.group(1)


def platform_tag() -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "arm64", "aarch64": "aarch64"}.get(machine, machine)
    return f"{system}-{machine}"


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of every regular file under `folder` (symbolic links not followed)."""
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


def human(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB"


def check_pyinstaller() -> None:
    try:
        import PyInstaller
    except ImportError:
        raise SystemExit(f"build: PyInstaller is not installed. Run `{sys.executable} -m pip install "
                         f"pyinstaller=={PYINSTALLER_VERSION}` or `make installer`.") from None
    if PyInstaller.__version__ != PYINSTALLER_VERSION:
        print(f"build: note: PyInstaller {PyInstaller.__version__} (the tested pin is {PYINSTALLER_VERSION})")


def run_pyinstaller(clean: bool) -> None:
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(DIST), "--workpath", str(WORK), str(INSTALLER / "privdesk.spec")]
    if clean:
        command.insert(3, "--clean")
    print("build: " + " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


def is_shared_library(path: Path) -> bool:
    name = path.name
    if not (name.endswith(".so") or ".so." in name) or path.is_symlink() or not path.is_file():
        return False
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def strip_debug_info(folder: Path) -> int:
    """Strip debug sections from the shared libraries under `folder` that have them; returns bytes saved.

    Only libraries (never the executable, whose archive a strip would cut off), only debug sections
    (`--strip-debug` keeps the symbol tables), and only where binutils is installed.
    """
    if not sys.platform.startswith("linux"):
        return 0
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        print("build: note: binutils (strip, readelf) not found; debug sections stay in the bundle")
        return 0
    saved = 0
    for path in sorted(folder.rglob("*")):
        if not is_shared_library(path):
            continue
        sections = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True).stdout
        if ".debug_info" not in sections:
            continue
        before = path.stat().st_size
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        saved += before - path.stat().st_size
    return saved


def largest_parts(folder: Path, count: int = 8) -> list[tuple[str, int]]:
    sizes = []
    for child in folder.iterdir():
        if child.is_symlink():
            continue
        size = folder_size(child)[0] if child.is_dir() else child.stat().st_size
        sizes.append((child.name, size))
    return sorted(sizes, key=lambda item: -item[1])[:count]


def add_desktop_files() -> None:
    """Beside the executable: what install-linux.sh puts into ~/.local (desktop entry, icon theme)."""
    if not sys.platform.startswith("linux"):
        return
    share = BUNDLE / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(INSTALLER / "privdesk.desktop", share / "applications" / "privdesk.desktop")
    icons = share / "icons" / "hicolor"
    if icons.exists():
        shutil.rmtree(icons)
    shutil.copytree(ROOT / "resources" / "icons" / "hicolor", icons)
    (icons / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "resources" / "icons" / "privdesk.svg", icons / "scalable" / "apps" / "privdesk.svg")
    target = BUNDLE / "install-linux.sh"
    shutil.copy2(INSTALLER / "install-linux.sh", target)
    target.chmod(0o755)


def make_tarball(tag: str) -> Path:
    tarball = DIST / f"privdesk-{version()}-{tag}.tar.gz"
    partial = tarball.with_name(tarball.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
        archive.add(BUNDLE, arcname="privdesk")
    os.replace(partial, tarball)
    return tarball


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the PrivDesk bundle with PyInstaller.")
    parser.add_argument("--skip-pyinstaller", action="store_true", help="keep dist/privdesk as it is")
    parser.add_argument("--no-tarball", action="store_true", help="do not pack the tarball")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    args = parser.parse_args(argv)

    started = time.monotonic()
    if not args.skip_pyinstaller:
        check_pyinstaller()
        run_pyinstaller(args.clean)
    if not (BUNDLE / ("privdesk.exe" if sys.platform == "win32" else "privdesk")).exists():
        raise SystemExit(f"build: no bundle at {BUNDLE}; run without --skip-pyinstaller")
    internal = BUNDLE / "_internal"
    saved = strip_debug_info(internal)
    if saved:
        print(f"build: stripped debug sections: {human(saved)} less", flush=True)
    add_desktop_files()
    built = time.monotonic()
    size, files = folder_size(BUNDLE)
    print(f"build: bundle {BUNDLE} \u2014 {human(size)} in {files:,} files "
          f"(PyInstaller, stripping and copying {built - started:,.0f} s)", flush=True)
    if internal.is_dir():
        print("build: largest parts: " + ", ".join(f"{name} {human(part)}" for name, part in largest_parts(internal)))
    if not args.no_tarball and sys.platform != "win32":
        tarball = make_tarball(platform_tag())
        print(f"build: tarball {tarball} \u2014 {human(tarball.stat().st_size)} "
              f"(packing {time.monotonic() - built:,.0f} s)", flush=True)
    print(f"build: done in {time.monotonic() - started:,.0f} s. Check it with `make installer-test`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
