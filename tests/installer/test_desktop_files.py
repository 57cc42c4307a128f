"""The desktop integration files the bundle ships: icons in every size and format, the menu entry,
and the bundle plan's pruning rules."""

from __future__ import annotations

import configparser
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))

import bundle_plan  # noqa: E402
import render_icons  # noqa: E402

ICONS = ROOT / "resources" / "icons"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    return struct.unpack(">II", data[16:24])  # the IHDR chunk's width and height


@pytest.mark.parametrize("size", render_icons.PNG_SIZES)
def test_every_theme_size_is_a_png_of_that_size(size):
    path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "privdesk.png"
    assert png_size(path.read_bytes()) == (size, size)


def test_the_windows_icon_holds_a_png_per_size():
    data = (ICONS / "privdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(render_icons.ICO_SIZES))
    sizes = []
    for number in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * number:22 + 16 * number])
        payload = data[offset:offset + length]
        assert png_size(payload) == (width or 256, height or 256) and (planes, bits) == (1, 32)
        sizes.append(width or 256)
    assert sizes == sorted(render_icons.ICO_SIZES)


def test_the_macos_icon_holds_the_png_elements():
    data = (ICONS / "privdesk.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    position, found = 8, {}
    while position < len(data):
        kind, length = data[position:position + 4], struct.unpack(">I", data[position + 4:position + 8])[0]
        found[kind] = png_size(data[position + 8:position + length])[0]
        position += length
    assert found == {kind: size for kind, size in render_icons.ICNS_TYPES}


def test_the_committed_icons_are_what_the_svg_renders_to(qapp):
    """render_icons.py was run after the last change to privdesk.svg. Pixels are compared, not bytes:
    another Qt or zlib version may compress the same image differently, or anti-alias an edge a shade off."""
    from PySide6.QtGui import QImage

    def pixels(image: QImage) -> list[tuple[int, int, int, int]]:
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        return [(c.red(), c.green(), c.blue(), c.alpha())
                for c in (image.pixelColor(x, y) for y in range(image.height()) for x in range(image.width()))]

    fresh = QImage.fromData(render_icons.render_png(render_icons.SVG, 48), "PNG")
    committed = QImage(str(ICONS / "hicolor" / "48x48" / "apps" / "privdesk.png"))
    assert committed.size() == fresh.size()
    worst = max(abs(a - b) for new, old in zip(pixels(fresh), pixels(committed)) for a, b in zip(new, old))
    assert worst <= 16


def test_the_desktop_entry_starts_privdesk_with_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(ROOT / "installer" / "privdesk.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Terminal"] == "false"
    assert desktop["Exec"] == "privdesk %f"  # install-linux.sh rewrites this to the installed path
    assert desktop["Icon"] == "privdesk" == (ICONS / "hicolor" / "256x256" / "apps" / "privdesk.png").stem
    assert "text/csv" in desktop["MimeType"].split(";")


def test_the_plan_prunes_test_programs_but_keeps_what_torch_needs():
    assert bundle_plan.is_pruned("torch/bin/test_api") and bundle_plan.is_pruned("torch/test/atest")
    assert not bundle_plan.is_pruned("torch/bin/torch_shm_manager")  # `import torch` needs it
    assert not bundle_plan.is_pruned("torch/lib/libtorch_cpu.so")
    assert bundle_plan.is_pruned("libQt6Qml.so.6") and bundle_plan.is_pruned("PySide6/Qt/lib/libQt6Quick.so.6")
    assert not bundle_plan.is_pruned("PySide6/Qt/lib/libQt6Widgets.so.6")
    assert not bundle_plan.is_pruned("resources/samples/clinical_notes.csv")
    assert bundle_plan.prune([("torch/bin/protoc", "/x", "DATA"), ("a/b.py", "/y", "DATA")]) == [("a/b.py", "/y", "DATA")]
