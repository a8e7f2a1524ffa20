"""Reference outputs of scipy.ndimage's morphology for chunkwise's ndmorph tests.

Optional comparison script: the committed fixtures under tests/data/ndmorph/ were made with it
(scipy 1.17.1, numpy 2.4.6); the Rust tests read them and need no Python.

    python3 scripts/ndmorph_fixtures.py

Binary inputs and outputs are raw bytes (0 or 1), grey ones raw little-endian <u2; a manifest
has one case per line:
    <op> <structure or size> <iterations> <input> <output>
"""
import pathlib

import numpy as np
from scipy import ndimage

from ndfilters_fixtures import skew  # the same lopsided footprint as the filters' fixtures

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndmorph"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261201)
    masks = {"mask2d": rng.random((13, 17)) < 0.6, "mask3d": rng.random((6, 7, 5)) < 0.65}
    greys = {
        "grey2d": rng.integers(0, 60000, (13, 17)).astype("<u2"),
        "grey3d": rng.integers(0, 60000, (6, 7, 5)).astype("<u2"),
    }
    lines = []
    for name, a in masks.items():
        a.astype("u1").tofile(OUT / f"{name}.bin")
        (OUT / f"{name}.shape").write_text(" ".join(map(str, a.shape)))
        structures = {
            "face": None,
            "full": ndimage.generate_binary_structure(a.ndim, a.ndim),
            "skew": skew(a.ndim),
        }
        ops = {
            "binary_erosion": ndimage.binary_erosion,
            "binary_dilation": ndimage.binary_dilation,
            "binary_opening": ndimage.binary_opening,
            "binary_closing": ndimage.binary_closing,
        }
        for op, fn in ops.items():
            for sname, st in structures.items():
                for it in (1, 2):
                    out = fn(a, structure=st, iterations=it)
                    fname = f"{name}_{op}_{sname}_{it}.bin"
                    out.astype("u1").tofile(OUT / fname)
                    lines.append(f"{op} {sname} {it} {name} {fname}")
    for name, a in greys.items():
        a.tofile(OUT / f"{name}.bin")
        (OUT / f"{name}.shape").write_text(" ".join(map(str, a.shape)))
        sizes = {"3": 3, "2x3": (2, 3) if a.ndim == 2 else (2, 3, 1)}
        for op, fn in {"grey_erosion": ndimage.grey_erosion, "grey_dilation": ndimage.grey_dilation}.items():
            for sname, size in sizes.items():
                out = fn(a, size=size)
                fname = f"{name}_{op}_{sname}.bin"
                out.astype("<u2").tofile(OUT / fname)
                lines.append(f"{op} {sname} 1 {name} {fname}")
            out = fn(a, footprint=skew(a.ndim))
            fname = f"{name}_{op}_skew.bin"
            out.astype("<u2").tofile(OUT / fname)
            lines.append(f"{op} skew 1 {name} {fname}")
    (OUT / "manifest.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cases to {OUT}")


if __name__ == "__main__":
    main()
