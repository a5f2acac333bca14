#!/usr/bin/env python3
"""A Chromium screenshot is not blank: decoded with zlib (PNG filters undone), it has the expected
width, many distinct colours, and a fair share of pixels that are not the background colour.

Usage: png_not_blank.py SHOT.png WIDTH
"""
import collections
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"FAIL: {path} is not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = ihdr
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit(f"FAIL: unexpected PNG format depth={depth} colour={colour} interlace={interlace}")
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    path, want_width = sys.argv[1], int(sys.argv[2])
    width, height, bpp, rows = decode(path)
    counts = collections.Counter()
    for line in rows:
        for x in range(0, len(line), bpp):
            counts[line[x:x + 3]] += 1
    total = width * height
    background, bg_count = counts.most_common(1)[0]
    other = 1 - bg_count / total
    print(f"{path}: {width}x{height}, {len(counts)} distinct colours, {other:.1%} of pixels not the background "
          f"#{background.hex()}")
    if width != want_width:
        print(f"FAIL: width {width}, expected {want_width}")
        return 1
    if len(counts) < 50 or other < 0.05:
        print("FAIL: the screenshot looks blank")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
