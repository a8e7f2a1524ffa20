"""Image stacks for tests/imread.rs, written by tifffile and Pillow (optional; nothing in
chunkwise depends on it).

    python3 scripts/imread_fixtures.py write DIR

Writes under DIR: tif/ (five 16-bit TIFFs, frame t holding (t * 1000 + 7 * y + x) % 65536),
f32/ (three float32 TIFFs), png/ (four 16-bit PNGs by Pillow), odd/ (three TIFFs, the second
of another size), truncated/ (two TIFFs, the second cut short), and each stack as <name>.npy.
"""
import pathlib
import sys

import numpy as np
import tifffile
from PIL import Image


def frames(n, h, w, dtype):
    t, y, x = np.indices((n, h, w))
    return ((t * 1000 + 7 * y + x) % 65536).astype(dtype)


def main():
    assert sys.argv[1] == "write", "usage: imread_fixtures.py write DIR"
    root = pathlib.Path(sys.argv[2])
    for name, stack in {"tif": frames(5, 12, 17, np.uint16), "f32": frames(3, 6, 5, np.float32) / 8}.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for t, frame in enumerate(stack):
            tifffile.imwrite(root / name / f"frame_{t:03}.tif", frame)
        np.save(root / f"{name}.npy", stack)
    png = frames(4, 9, 11, np.uint16)
    (root / "png").mkdir(exist_ok=True)
    for t, frame in enumerate(png):
        Image.fromarray(frame).save(root / "png" / f"img{t}.png")
    np.save(root / "png.npy", png)
    (root / "odd").mkdir(exist_ok=True)
    for t, shape in enumerate([(8, 8), (8, 9), (8, 8)]):
        tifffile.imwrite(root / "odd" / f"f{t}.tif", np.zeros(shape, np.uint16))
    (root / "truncated").mkdir(exist_ok=True)
    for t in range(2):
        tifffile.imwrite(root / "truncated" / f"f{t}.tif", frames(1, 64, 64, np.uint16)[0])
    data = (root / "truncated" / "f1.tif").read_bytes()
    (root / "truncated" / "f1.tif").write_bytes(data[: len(data) // 2])


if __name__ == "__main__":
    main()
