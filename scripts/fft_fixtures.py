"""numpy.fft's results on a table of cases, for chunkwise's FFT tests (tests/fft.rs).

Optional comparison script: the committed fixture tests/data/fft/numpy.txt was made with it
(numpy version in its first line); the Rust test builds the same inputs by the same formula and
needs no Python.

    python3 scripts/fft_fixtures.py

One case per line:
    <function> ; <input: r or c> ; <input shape, 'x'-joined> ; <parameters> ; <output shape> ; <values>
Parameters are space-separated `key=value`: n, axis, s and axes (comma-separated), norm, d.
Complex values are written as re im pairs. Input value at row-major position p:
    real part ((7 p + 3) % 13 - 6) / 4, imaginary part (complex inputs) ((5 p + 1) % 11 - 5) / 3.
fftfreq and rfftfreq take no input (shape `-`); their parameters are n and d.
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "fft" / "numpy.txt"


def make(kind, shape):
    p = np.arange(int(np.prod(shape)), dtype=np.int64)
    x = ((7 * p + 3) % 13 - 6) / 4.0
    if kind == "c":
        x = x + 1j * (((5 * p + 1) % 11 - 5) / 3.0)
    return x.reshape(shape)


CASES = [
    ("fft", "r", (8,), {}),
    ("fft", "r", (8,), {"norm": "ortho"}),
    ("fft", "r", (8,), {"norm": "forward"}),
    ("fft", "c", (7,), {"n": 5}),
    ("fft", "c", (7,), {"n": 10}),
    ("fft", "c", (11,), {}),
    ("fft", "c", (4, 6), {"axis": 0}),
    ("ifft", "c", (6, 5), {"axis": 0}),
    ("ifft", "c", (6, 5), {"axis": 1, "n": 7, "norm": "ortho"}),
    ("ifft", "r", (9,), {"norm": "forward"}),
    ("rfft", "r", (9,), {}),
    ("rfft", "r", (8,), {"norm": "forward"}),
    ("rfft", "r", (4, 6), {"axis": 0, "n": 5, "norm": "ortho"}),
    ("rfft", "r", (3, 10), {"axis": 1, "n": 13}),
    ("irfft", "c", (5,), {}),
    ("irfft", "c", (5,), {"n": 9}),
    ("irfft", "c", (5, 3), {"axis": 0, "norm": "ortho"}),
    ("irfft", "c", (4,), {"n": 12, "norm": "forward"}),
    ("hfft", "c", (5,), {}),
    ("hfft", "c", (5,), {"n": 7, "norm": "ortho"}),
    ("ihfft", "r", (7,), {}),
    ("ihfft", "r", (8,), {"norm": "forward"}),
    ("fftn", "r", (4, 6, 5), {}),
    ("fftn", "c", (4, 6, 5), {"s": (3, 4)}),
    ("fftn", "r", (4, 6, 5), {"axes": (0, 2)}),
    ("fftn", "c", (4, 6, 5), {"s": (5, 3), "axes": (2, 0), "norm": "ortho"}),
    ("ifftn", "c", (4, 6), {"norm": "forward"}),
    ("ifftn", "c", (3, 4, 5), {"axes": (1,)}),
    ("rfftn", "r", (4, 6, 5), {}),
    ("rfftn", "r", (4, 6, 5), {"axes": (0, 1)}),
    ("rfftn", "r", (4, 6, 5), {"s": (3, 8), "norm": "ortho"}),
    ("irfftn", "c", (4, 6, 3), {}),
    ("irfftn", "c", (4, 6, 3), {"s": (4, 6, 4)}),
    ("irfftn", "c", (4, 6, 3), {"axes": (0, 1), "norm": "forward"}),
    ("fft2", "r", (3, 4, 6), {}),
    ("ifft2", "c", (4, 6), {"norm": "ortho"}),
    ("rfft2", "r", (6, 8), {}),
    ("rfft2", "r", (5, 6, 7), {"axes": (0, 2)}),
    ("irfft2", "c", (6, 5), {"s": (6, 8)}),
    ("irfft2", "c", (6, 5), {}),
    ("fftshift", "r", (5, 6), {}),
    ("fftshift", "c", (5, 6), {"axes": (1,)}),
    ("ifftshift", "r", (5, 6), {}),
    ("ifftshift", "r", (7,), {}),
    ("fftfreq", "-", (), {"n": 7, "d": 0.3}),
    ("fftfreq", "-", (), {"n": 8, "d": 1.0}),
    ("rfftfreq", "-", (), {"n": 8, "d": 2.0}),
    ("rfftfreq", "-", (), {"n": 9, "d": 0.1}),
]


def params_text(params):
    def v(x):
        return ",".join(map(str, x)) if isinstance(x, tuple) else str(x)
    return " ".join(f"{k}={v(x)}" for k, x in params.items())


def main():
    lines = [f"# numpy {np.__version__} (scripts/fft_fixtures.py)"]
    for name, kind, shape, params in CASES:
        f = getattr(np.fft, name)
        if kind == "-":
            r = f(params["n"], params["d"])
        else:
            r = f(make(kind, shape), **params)
        r = np.asarray(r)
        if np.iscomplexobj(r):
            vals = " ".join(f"{float(z.real)!r} {float(z.imag)!r}" for z in r.ravel())
        else:
            vals = " ".join(repr(float(v)) for v in r.ravel())
        shape_text = "x".join(map(str, shape)) if kind != "-" else "-"
        lines.append(f"{name} ; {kind} ; {shape_text} ; {params_text(params)} ; "
                     f"{'x'.join(map(str, r.shape))} ; {vals}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
