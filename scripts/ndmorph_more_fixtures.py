"""scipy.ndimage's grey compositions, hit-or-miss, propagation and hole filling on a table of
inputs, for chunkwise's tests (tests/ndmorph.rs).

Optional comparison script: the committed fixture tests/data/ndmorph/more.txt was made with it
(scipy version in its first line); the Rust test builds the same inputs by the same formulas
and needs no Python.

    python3 scripts/ndmorph_more_fixtures.py

One case per line:
    <function> ; <shape, 'x'-joined> ; <parameters> ; <values>
Masks: true at row-major position p unless (37 p + 11) % period == 0 (parameter `period`);
markers likewise with `mperiod`, true only where (37 p + 11) % mperiod == 0. Grey images:
`u8` values ((7 p + 3) % 13) * 19 (sums overflow u8, as the wrapping is tested) and `f64`
values ((7 p + 3) % 13 - 6) / 4.
"""
import pathlib

import numpy as np
import scipy
import scipy.ndimage as nd

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndmorph" / "more.txt"


def flat(shape):
    return np.arange(int(np.prod(shape)), dtype=np.int64)


def mask(shape, period):
    return ((37 * flat(shape) + 11) % period != 0).reshape(shape)


def markers(shape, period):
    return ((37 * flat(shape) + 11) % period == 0).reshape(shape)


def grey(shape, dtype):
    p = flat(shape)
    if dtype == "u8":
        return (((7 * p + 3) % 13) * 19).astype(np.uint8).reshape(shape)
    return (((7 * p + 3) % 13 - 6) / 4.0).reshape(shape)


def dims(s):
    return "x".join(str(n) for n in s)


def values(v):
    v = np.ravel(v)
    if v.dtype == bool:
        return "".join("1" if b else "0" for b in v)
    if v.dtype.kind == "f":
        return ",".join(repr(float(x)) for x in v)
    return ",".join(str(int(x)) for x in v)


def structure(name, ndim):
    if name == "face":
        return None
    return nd.generate_binary_structure(ndim, ndim)


lines = [f"# scipy {scipy.__version__}"]
GREY = {
    "grey_opening": nd.grey_opening, "grey_closing": nd.grey_closing,
    "morphological_gradient": nd.morphological_gradient,
    "morphological_laplace": nd.morphological_laplace,
    "white_tophat": nd.white_tophat, "black_tophat": nd.black_tophat,
}
for shape in [(13, 17), (6, 7, 5)]:
    for fname, f in GREY.items():
        for dtype in ("u8", "f64"):
            for size in ("3", "2x3" if len(shape) == 2 else "2x1x3"):
                for mode, cval in (("reflect", 0), ("constant", 2), ("nearest", 0), ("wrap", 0)):
                    sz = [int(s) for s in size.split("x")] if "x" in size else int(size)
                    out = f(grey(shape, dtype), size=sz, mode=mode, cval=cval)
                    lines.append(f"{fname} ; {dims(shape)} ; dtype={dtype} size={size} "
                                 f"mode={mode} cval={cval} ; {values(out)}")
    for period in (2, 3, 5):
        m = mask(shape, period)
        for s in ("face", "full"):
            st = structure(s, len(shape))
            lines.append(f"binary_fill_holes ; {dims(shape)} ; period={period} structure={s} ; "
                         f"{values(nd.binary_fill_holes(m, st))}")
            lines.append(f"binary_hit_or_miss ; {dims(shape)} ; period={period} structure={s} ; "
                         f"{values(nd.binary_hit_or_miss(m, st))}")
            for mperiod in (7, 29):
                for border in (0, 1):
                    out = nd.binary_propagation(markers(shape, mperiod), st, mask=m,
                                                border_value=border)
                    lines.append(f"binary_propagation ; {dims(shape)} ; period={period} "
                                 f"structure={s} mperiod={mperiod} border={border} ; {values(out)}")
OUT.write_text("\n".join(lines) + "\n")
print(f"{len(lines) - 1} cases -> {OUT}")
