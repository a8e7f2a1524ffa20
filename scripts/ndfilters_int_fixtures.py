"""Reference outputs of scipy.ndimage's Gaussian and uniform filters of integer images, for
chunkwise's `gaussian_filter_to` and `uniform_filter_to` tests.

Optional comparison script: the committed fixture tests/data/ndfilters/integer.txt was made
with it (scipy 1.17.1, numpy 2.4.6); the Rust tests read it and need no Python.

    python3 scripts/ndfilters_int_fixtures.py

One case per line, fields separated by ';':
    <filter>;<param>;<mode>;<input dtype>;<output dtype>;<shape>;<input values>;<output values>
(values space-separated, row-major; float outputs written with repr, so they read back
exactly).
"""
import pathlib

import numpy as np
from scipy import ndimage

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndfilters" / "integer.txt"
MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]


def main():
    rng = np.random.default_rng(20261207)
    inputs = [
        np.asarray(rng.integers(0, 256, (9, 11)), dtype=np.uint8),
        np.asarray(rng.integers(0, 65536, (5, 4, 6)), dtype=np.uint16),
        np.asarray(rng.integers(-300, 300, (7, 8)), dtype=np.int16),
    ]
    lines = []
    for a in inputs:
        for mode in MODES:
            for name, param, fn in [
                ("gaussian", 1.5, lambda x, m, out: ndimage.gaussian_filter(x, 1.5, mode=m, output=out)),
                ("gaussian", 0.6, lambda x, m, out: ndimage.gaussian_filter(x, 0.6, mode=m, output=out)),
                ("uniform", 3, lambda x, m, out: ndimage.uniform_filter(x, 3, mode=m, output=out)),
                ("uniform", 4, lambda x, m, out: ndimage.uniform_filter(x, 4, mode=m, output=out)),
            ]:
                for out in (a.dtype, np.float64):
                    r = fn(a, mode, out)
                    lines.append(";".join([
                        name, str(param), mode, str(a.dtype), str(np.dtype(out)),
                        " ".join(map(str, a.shape)),
                        " ".join(map(str, a.ravel().tolist())),
                        " ".join(map(repr, r.ravel().tolist())),
                    ]))
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} cases in {OUT}")


if __name__ == "__main__":
    main()
