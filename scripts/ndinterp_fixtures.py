"""scipy.ndimage's interpolation on a table of cases, for chunkwise's tests (tests/ndinterp.rs).

Optional comparison script: the committed fixture tests/data/ndinterp/scipy.txt was made with
it (scipy version in its first line); the Rust test builds the same inputs by the same
formulas and needs no Python.

    python3 scripts/ndinterp_fixtures.py

One case per line:
    <function> ; <input shape, 'x'-joined> ; <parameters, key=value, space-separated> ; <output shape> ; <values>
Input value at row-major position p: ((7 p + 3) % 13 - 6) / 4 (as scripts/fft_fixtures.py).
Coordinates for map_coordinates (shape `cshape`), at row-major position p of the coordinates
array: ((11 p + 5) % 23) * 0.55 - 2.5, so that they reach beyond both edges.
"""
import pathlib

import numpy as np
import scipy
import scipy.ndimage as nd

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndinterp" / "scipy.txt"

MODES = ["constant", "grid-constant", "nearest", "reflect", "grid-mirror", "mirror", "wrap",
         "grid-wrap"]
ORDERS = range(6)
CVAL = 0.5


def make(shape):
    p = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((7 * p + 3) % 13 - 6) / 4.0).reshape(shape)


def coords(shape):
    p = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((11 * p + 5) % 23) * 0.55 - 2.5).reshape(shape)


def nums(v):
    return ",".join(repr(float(x)) for x in v)


def dims(s):
    return "x".join(str(n) for n in s)


CASES = []  # (function, input shape, params dict)
for mode in MODES:
    for order in ORDERS:
        base = {"order": order, "mode": mode}
        CASES.append(("shift", (7, 9), {**base, "shift": [1.3, -2.6]}))
        CASES.append(("zoom", (7, 9), {**base, "zoom": [1.7, 0.6]}))
        CASES.append(("affine_transform", (7, 9),
                      {**base, "matrix": [0.9, 0.35, -0.3, 1.1], "mshape": [2, 2],
                       "offset": [-1.2, 0.8], "oshape": [8, 10]}))
        CASES.append(("map_coordinates", (7, 9), {**base, "cshape": [2, 5, 6]}))
        CASES.append(("rotate", (7, 9), {**base, "angle": 30.0, "axes": [0, 1], "reshape": 1}))
        if order >= 2:
            CASES.append(("spline_filter1d", (7, 9), {**base, "axis": order % 2}))
            CASES.append(("spline_filter", (4, 5, 6), base))
    for order in [1, 3]:
        base = {"order": order, "mode": mode}
        CASES.append(("shift", (4, 5, 6), {**base, "shift": [0.5, 7.25, -1.5]}))
        CASES.append(("zoom", (7, 9), {**base, "zoom": [1.7, 0.6], "grid": 1}))
        CASES.append(("affine_transform", (4, 5, 6),
                      {**base, "matrix": [0.8, 0.2, 0.1, -0.25, 1.05, 0.3, 0.15, 0.1, 0.95],
                       "mshape": [3, 3], "offset": [0.5, -1.0, 1.5], "oshape": [5, 4, 7]}))
        CASES.append(("map_coordinates", (4, 5, 6), {**base, "cshape": [3, 4, 5]}))
        CASES.append(("rotate", (4, 5, 6),
                      {**base, "angle": -25.0, "axes": [2, 0], "reshape": 1}))
        CASES.append(("rotate", (7, 9), {**base, "angle": 90.0, "axes": [0, 1], "reshape": 0}))
# Other matrix forms: a diagonal, n x n+1, homogeneous; a 1-D zoom with grid mode; 1-D shift.
for order in [0, 2, 5]:
    CASES.append(("affine_transform", (7, 9),
                  {"order": order, "mode": "reflect", "matrix": [0.7, 1.6], "mshape": [2],
                   "offset": [0.4, -2.0], "oshape": [9, 6]}))
    CASES.append(("affine_transform", (7, 9),
                  {"order": order, "mode": "nearest", "matrix": [0.9, -0.2, 1.5, 0.3, 1.1, -0.5],
                   "mshape": [2, 3], "offset": [0.0, 0.0], "oshape": [7, 9]}))
    CASES.append(("affine_transform", (7, 9),
                  {"order": order, "mode": "grid-wrap",
                   "matrix": [1.2, 0.1, -3.0, -0.1, 0.8, 2.0, 0.0, 0.0, 1.0],
                   "mshape": [3, 3], "offset": [0.0, 0.0], "oshape": [6, 11]}))
    CASES.append(("zoom", (11,), {"order": order, "mode": "mirror", "zoom": [2.5]}))
    CASES.append(("shift", (11,), {"order": order, "mode": "grid-constant", "shift": [-3.7]}))


def run(name, shape, p):
    x = make(shape)
    kw = {"order": p["order"], "mode": p["mode"]}
    if name == "spline_filter1d":
        return nd.spline_filter1d(x, axis=p["axis"], **kw)
    if name == "spline_filter":
        return nd.spline_filter(x, **kw)
    kw["cval"] = CVAL
    if name == "shift":
        return nd.shift(x, p["shift"], **kw)
    if name == "zoom":
        return nd.zoom(x, p["zoom"], grid_mode=bool(p.get("grid", 0)), **kw)
    if name == "affine_transform":
        m = np.array(p["matrix"]).reshape(p["mshape"])
        return nd.affine_transform(x, m, offset=p["offset"], output_shape=tuple(p["oshape"]), **kw)
    if name == "map_coordinates":
        return nd.map_coordinates(x, coords(p["cshape"]), **kw)
    if name == "rotate":
        return nd.rotate(x, p["angle"], axes=tuple(p["axes"]), reshape=bool(p["reshape"]), **kw)
    raise ValueError(name)


def param_text(p):
    out = []
    for k, v in p.items():
        if isinstance(v, list):
            if k in ("mshape", "oshape", "cshape", "axes"):
                out.append(f"{k}={dims(v)}")
            else:
                out.append(f"{k}={nums(v)}")
        else:
            out.append(f"{k}={v}")
    return " ".join(out)


def main():
    import warnings
    warnings.simplefilter("ignore")
    lines = [f"# scipy {scipy.__version__} (scripts/ndinterp_fixtures.py)"]
    for name, shape, p in CASES:
        y = run(name, shape, p)
        lines.append(" ; ".join([name, dims(shape), param_text(p), dims(y.shape),
                                 " ".join(repr(float(v)) for v in y.ravel())]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{len(CASES)} cases -> {OUT}")


if __name__ == "__main__":
    main()
