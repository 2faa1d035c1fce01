#!/usr/bin/env python3
"""Draws MYCA's icon (a small mycelium network on a rounded square) and writes
every file the Tauri bundler needs. Standard library only, deterministic output.

    python3 icons/generate.py          # write the icons next to this script
    python3 icons/generate.py --check  # exit 1 if the committed icons are stale
"""
import math
import struct
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Shapes in unit coordinates (0..1); sizes scale with the icon.
CORNER_RADIUS = 0.22
GRADIENT_FROM = (15, 118, 110)   # teal, top left
GRADIENT_TO = (30, 27, 75)       # indigo, bottom right
HUB = (0.5, 0.52, 0.10)
NODES = [
    (0.24, 0.26, 0.060), (0.74, 0.22, 0.055), (0.82, 0.58, 0.060),
    (0.66, 0.82, 0.055), (0.27, 0.78, 0.060), (0.17, 0.52, 0.050),
]
STRANDS = [((HUB[0], HUB[1]), (x, y)) for x, y, _ in NODES] + [
    ((NODES[0][0], NODES[0][1]), (NODES[5][0], NODES[5][1])),
    ((NODES[1][0], NODES[1][1]), (NODES[2][0], NODES[2][1])),
    ((NODES[3][0], NODES[3][1]), (NODES[4][0], NODES[4][1])),
]
STRAND_WIDTH = 0.032
STRAND_COLOUR = (167, 243, 208, 0.9)
NODE_COLOUR = (240, 253, 244, 1.0)

PNG_FILES = {
    "32x32.png": 32, "64x64.png": 64, "128x128.png": 128, "128x128@2x.png": 256,
    "icon.png": 512, "StoreLogo.png": 50,
    **{f"Square{n}x{n}Logo.png": n for n in (30, 44, 71, 89, 107, 142, 150, 284, 310)},
}
ICO_SIZES = (16, 24, 32, 48, 64, 256)
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512))


def coverage(distance, pixel):
    """Fraction of a pixel inside a shape, from the signed distance to its edge."""
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def rounded_square_distance(x, y):
    qx = abs(x - 0.5) - (0.5 - CORNER_RADIUS)
    qy = abs(y - 0.5) - (0.5 - CORNER_RADIUS)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - CORNER_RADIUS


def segment_distance(x, y, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy) - STRAND_WIDTH / 2


def over(dst, colour, alpha):
    """Porter-Duff 'over' of a straight-alpha colour onto a straight-alpha pixel."""
    r, g, b, a = dst
    out = alpha + a * (1 - alpha)
    if out == 0:
        return (0.0, 0.0, 0.0, 0.0)
    mix = lambda c, d: (c * alpha + d * a * (1 - alpha)) / out
    return (mix(colour[0], r), mix(colour[1], g), mix(colour[2], b), out)


def render(size):
    pixel = 1.0 / size
    rows = []
    for py in range(size):
        y = (py + 0.5) * pixel
        row = bytearray()
        for px in range(size):
            x = (px + 0.5) * pixel
            t = (x + y) / 2
            background = tuple(f + (to - f) * t for f, to in zip(GRADIENT_FROM, GRADIENT_TO))
            value = over((0.0, 0.0, 0.0, 0.0), background, coverage(rounded_square_distance(x, y), pixel))
            strand = max(coverage(segment_distance(x, y, a, b), pixel) for a, b in STRANDS)
            if strand:
                value = over(value, STRAND_COLOUR, strand * STRAND_COLOUR[3])
            node = max(coverage(math.hypot(x - nx, y - ny) - r, pixel) for nx, ny, r in NODES + [HUB])
            if node:
                value = over(value, NODE_COLOUR, node * NODE_COLOUR[3])
            row += bytes(round(c) for c in value[:3]) + bytes((round(value[3] * 255),))
        rows.append(bytes(row))
    return rows


def png(rows, size):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(images):
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        side = 0 if size >= 256 else size  # 0 means 256 in ICO entries
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return header + entries + blobs


def icns(images):
    body = b"".join(kind + struct.pack(">I", len(data) + 8) + data for kind, data in images)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def build(out_dir):
    cache = {}

    def png_of(size):
        if size not in cache:
            cache[size] = png(render(size), size)
        return cache[size]

    files = {name: png_of(size) for name, size in PNG_FILES.items()}
    files["icon.ico"] = ico([(size, png_of(size)) for size in ICO_SIZES])
    files["icon.icns"] = icns([(kind, png_of(size)) for kind, size in ICNS_TYPES])
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    return sorted(files)


def main(argv):
    if argv[1:] == ["--check"]:
        with tempfile.TemporaryDirectory() as tmp:
            names = build(Path(tmp))
            stale = [n for n in names if not (HERE / n).is_file() or (HERE / n).read_bytes() != (Path(tmp) / n).read_bytes()]
        if stale:
            print(f"icons are stale or missing: {', '.join(stale)}; run python3 icons/generate.py", file=sys.stderr)
            return 1
        print(f"icons up to date ({len(names)} files)")
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    names = build(HERE)
    print(f"wrote {len(names)} icon files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
