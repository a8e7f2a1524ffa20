"""scipy.ndimage's Fourier filters on a table of cases, for chunkwise's tests (tests/fft.rs).

Optional comparison script: the committed fixture tests/data/ndfourier/scipy.txt was made with
it (scipy version in its first line); the Rust test builds the same inputs by the same formula
and needs no Python.

    python3 scripts/ndfourier_fixtures.py

One case per line:
    <function> ; <input: r or c> ; <shape, 'x'-joined> ; <parameter per axis, ','-joined> ; <n> ; <axis> ; <values>
`n` -1 is scipy's complex-transform default. Complex outputs are written as re im pairs, real
ones as values. Input value at row-major position p: real part ((7 p + 3) % 13 - 6) / 4,
imaginary part (complex inputs) ((5 p + 1) % 11 - 5) / 3 (as scripts/fft_fixtures.py).
"""
import pathlib

import numpy as np
import scipy
import scipy.ndimage as nd

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndfourier" / "scipy.txt"


def make(kind, shape):
    p = np.arange(int(np.prod(shape)), dtype=np.int64)
    x = ((7 * p + 3) % 13 - 6) / 4.0
    if kind == "c":
        x = x + 1j * (((5 * p + 1) % 11 - 5) / 3.0)
    return x.reshape(shape)


CASES = []
for name, params in [
    ("fourier_gaussian", {1: [1.5], 2: [1.3, 0.7], 3: [0.8, 1.1, 2.0]}),
    ("fourier_uniform", {1: [2.5], 2: [2.5, 3.0], 3: [1.0, 2.0, 4.5]}),
    ("fourier_ellipsoid", {1: [3.5], 2: [2.5, 3.0], 3: [4.0, 2.0, 6.5]}),
    ("fourier_shift", {1: [1.25], 2: [1.5, -0.3], 3: [0.5, 2.0, -1.75]}),
]:
    for shape in [(9,), (6, 5), (4, 5, 3)]:
        rank = len(shape)
        for kind in ["r", "c"]:
            CASES.append((name, kind, shape, params[rank], -1, rank - 1))
        # A real transform's output along an axis: n the original length.
        CASES.append((name, "c", shape, params[rank], 2 * shape[0] - 1, 0))
        CASES.append((name, "c", shape, params[rank], 2 * shape[-1] - 2, rank - 1))
# Large radii for the 2-D ellipsoid's J1.
CASES.append(("fourier_ellipsoid", "c", (40, 31), [55.0, 80.0], -1, 1))


def main():
    lines = [f"# scipy {scipy.__version__} (scripts/ndfourier_fixtures.py)"]
    for name, kind, shape, p, n, axis in CASES:
        x = make(kind, shape)
        arg = p if len(p) > 1 else p[0]
        r = np.asarray(getattr(nd, name)(x, arg, n=n, axis=axis))
        if np.iscomplexobj(r):
            vals = " ".join(f"{float(z.real)!r} {float(z.imag)!r}" for z in r.ravel())
        else:
            vals = " ".join(repr(float(v)) for v in r.ravel())
        lines.append(f"{name} ; {kind} ; {'x'.join(map(str, shape))} ; "
                     f"{','.join(map(repr, p))} ; {n} ; {axis} ; {vals}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
