"""Reference outputs of scipy.ndimage for chunkwise's ndfilters tests.

Optional comparison script: the committed fixtures under tests/data/ndfilters/ were made with it
(scipy 1.17.1, numpy 2.4.6); the Rust tests read them and need no Python.

    python3 scripts/ndfilters_fixtures.py

Writes raw little-endian f64 arrays and a manifest with one case per line:
    <filter> <param> <mode> <cval> <input> <output>
"""
import pathlib

import numpy as np
from scipy import ndimage

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndfilters"
MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]
CVAL = 0.7


def skew(ndim):
    """An even-shaped, lopsided footprint: cell k (row-major) is in unless k % 3 == 1."""
    shape = (2, 3) if ndim == 2 else (2, 2, 3)
    return np.arange(np.prod(shape)).reshape(shape) % 3 != 1


def weights(ndim):
    """Even-shaped n-d weights, one of them zero: k - 2 at row-major cell k."""
    shape = (3, 2) if ndim == 2 else (2, 3, 2)
    return (np.arange(np.prod(shape)).reshape(shape) - 2).astype(float)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261126)
    inputs = {
        "in2d": rng.standard_normal((13, 17)),
        "in3d": rng.standard_normal((6, 7, 5)),
    }
    lines = []
    for name, a in inputs.items():
        a.astype("<f8").tofile(OUT / f"{name}.bin")
        (OUT / f"{name}.shape").write_text(" ".join(map(str, a.shape)))
        sigma = 2.0 if a.ndim == 2 else 1.0
        cases = [("gaussian", sigma, lambda x, m, p: ndimage.gaussian_filter(x, p, mode=m, cval=CVAL))]
        for size in (3, 4):
            cases += [
                ("uniform", size, lambda x, m, p: ndimage.uniform_filter(x, int(p), mode=m, cval=CVAL)),
                ("median", size, lambda x, m, p: ndimage.median_filter(x, int(p), mode=m, cval=CVAL)),
                ("minimum", size, lambda x, m, p: ndimage.minimum_filter(x, int(p), mode=m, cval=CVAL)),
                ("maximum", size, lambda x, m, p: ndimage.maximum_filter(x, int(p), mode=m, cval=CVAL)),
            ]
        # One size per axis (scipy's size=(1, 3, ...)) and footprints: a cross, and an
        # even-shaped lopsided one (the same in tests/ndfilters.rs).
        sizes = (1, 3) if a.ndim == 2 else (3, 1, 2)
        sizes_param = "x".join(map(str, sizes))
        cases.append(("uniform", sizes_param, lambda x, m, p: ndimage.uniform_filter(x, sizes, mode=m, cval=CVAL)))
        footprints = {
            sizes_param: None,
            "cross": ndimage.generate_binary_structure(a.ndim, 1),
            "skew": skew(a.ndim),
        }
        for param, fp in footprints.items():
            kw = {"size": sizes} if fp is None else {"footprint": fp}
            for filt, fn in [("median", ndimage.median_filter), ("minimum", ndimage.minimum_filter),
                             ("maximum", ndimage.maximum_filter)]:
                cases.append((filt, param, lambda x, m, p, fn=fn, kw=kw: fn(x, mode=m, cval=CVAL, **kw)))
        for axis in range(a.ndim):
            cases.append(("sobel", axis, lambda x, m, p: ndimage.sobel(x, int(p), mode=m, cval=CVAL)))
            cases.append(("prewitt", axis, lambda x, m, p: ndimage.prewitt(x, int(p), mode=m, cval=CVAL)))
        # Order statistics, a generic function (the local range), n-d weights.
        cases += [
            ("rank", 2, lambda x, m, p: ndimage.rank_filter(x, 2, size=3, mode=m, cval=CVAL)),
            ("rank", -3, lambda x, m, p: ndimage.rank_filter(x, -3, footprint=skew(x.ndim), mode=m, cval=CVAL)),
            ("percentile", 30, lambda x, m, p: ndimage.percentile_filter(x, 30, size=3, mode=m, cval=CVAL)),
            ("percentile", -20, lambda x, m, p: ndimage.percentile_filter(x, -20, footprint=skew(x.ndim), mode=m, cval=CVAL)),
            ("generic_range", 3, lambda x, m, p: ndimage.generic_filter(x, np.ptp, size=3, mode=m, cval=CVAL)),
            ("correlate", "w", lambda x, m, p: ndimage.correlate(x, weights(x.ndim), mode=m, cval=CVAL)),
            ("convolve", "w", lambda x, m, p: ndimage.convolve(x, weights(x.ndim), mode=m, cval=CVAL)),
        ]
        # Gaussian derivatives: an order per axis, the gradient magnitude and the Laplacian.
        orders = ["0x1", "2x1"] if a.ndim == 2 else ["1x0x2"]
        for o in orders:
            order = [int(k) for k in o.split("x")]
            cases.append(("gaussian_order", o, lambda x, m, p, order=order: ndimage.gaussian_filter(x, sigma, order=order, mode=m, cval=CVAL)))
        cases.append(("gradient_magnitude", sigma, lambda x, m, p: ndimage.gaussian_gradient_magnitude(x, p, mode=m, cval=CVAL)))
        cases.append(("gaussian_laplace", sigma, lambda x, m, p: ndimage.gaussian_laplace(x, p, mode=m, cval=CVAL)))
        cases.append(("laplace", 0, lambda x, m, p: ndimage.laplace(x, mode=m, cval=CVAL)))
        if a.ndim == 2:
            # Kernels and windows wider than the whole image (13 x 17): the ghost cells repeat
            # the boundary rule (reflect again and again, wrap around), as scipy's do.
            cases += [
                ("gaussian", 20.0, lambda x, m, p: ndimage.gaussian_filter(x, p, mode=m, cval=CVAL)),
                ("uniform", 31, lambda x, m, p: ndimage.uniform_filter(x, int(p), mode=m, cval=CVAL)),
                ("median", 19, lambda x, m, p: ndimage.median_filter(x, int(p), mode=m, cval=CVAL)),
                ("maximum", 40, lambda x, m, p: ndimage.maximum_filter(x, int(p), mode=m, cval=CVAL)),
            ]
        for filt, param, fn in cases:
            for mode in MODES:
                out = fn(a, mode, param)
                fname = f"{name}_{filt}_{param}_{mode}.bin"
                np.asarray(out, dtype="<f8").tofile(OUT / fname)
                lines.append(f"{filt} {param} {mode} {CVAL} {name} {fname}")
    (OUT / "manifest.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cases to {OUT}")


if __name__ == "__main__":
    main()
