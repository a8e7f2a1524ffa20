"""Reference measurements of scipy.ndimage for chunkwise's ndmeasure tests.

Optional comparison script: the committed fixtures under tests/data/ndmeasure/ were made with it
(scipy 1.17.1, numpy 2.4.6, scikit-image 0.26.0 for threshold_otsu); the Rust tests read them and need no Python.

    python3 scripts/ndmeasure_fixtures.py

Writes, per case, the image (raw little-endian f64), the labels (raw <u4) and a JSON file of
scipy's results for an index list that repeats a label and names one that is absent.
"""
import json
import pathlib

import numpy as np
from scipy import ndimage
from skimage.segmentation import clear_border

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndmeasure"


def spiral(n):
    """A one-cell-wide square spiral on an n x n grid, with gaps: long winding objects that
    cross many blocks and join far from where they start."""
    a = np.zeros((n, n), bool)
    top, left, bottom, right = 0, 0, n - 1, n - 1
    while top <= bottom and left <= right:
        a[top, left:right + 1] = True
        a[top:bottom + 1, right] = True
        a[bottom, left:right + 1] = True
        a[top + 2:bottom + 1, left] = True
        top, left, bottom, right = top + 2, left + 2, bottom - 2, right - 2
    a[n // 2, :: 7] = False
    return a


def corners(nd):
    """The structure of the 2^nd corner neighbours only (and the centre)."""
    s = np.zeros((3,) * nd, bool)
    s[tuple(slice(None, None, 2) for _ in range(nd))] = True
    s[(1,) * nd] = True
    return s


def along_rows(nd):
    """The cells of the centre's row (the last axis)."""
    s = np.zeros((3,) * nd, bool)
    s[(1,) * (nd - 1)] = True
    return s


def labelling(rng):
    """Masks and scipy's labels: (name, mask, structure name, labels) in label_manifest.txt."""
    masks = {
        "l2d": rng.random((37, 41)) < 0.55,
        "l3d": rng.random((13, 11, 9)) < 0.4,
        "spiral": spiral(45),
    }
    structures = {
        "face": lambda nd: ndimage.generate_binary_structure(nd, 1),
        "full": lambda nd: ndimage.generate_binary_structure(nd, nd),
        "rows": lambda nd: np.pad(np.ones((1,) * (nd - 1) + (3,), bool), [(1, 1)] * (nd - 1) + [(0, 0)]),
        # No left neighbour: labelled cell by cell, not by runs.
        "corners": corners,
        # The left neighbour, and the row before reached at shifts -1 and +1 but not 0.
        "xrow": lambda nd: corners(nd) | ndimage.generate_binary_structure(nd, 1) & along_rows(nd),
    }
    lines = []
    for name, m in masks.items():
        m.astype("u1").tofile(OUT / f"{name}_mask.bin")
        (OUT / f"{name}_mask.shape").write_text(" ".join(map(str, m.shape)))
        for sname, make in structures.items():
            labels, n = ndimage.label(m, make(m.ndim))
            labels.astype("<u4").tofile(OUT / f"{name}_{sname}_labels.bin")
            clear_border(labels).astype("<u4").tofile(OUT / f"{name}_{sname}_cleared.bin")
            lines.append(f"{name} {sname} {n}")
    (OUT / "label_manifest.txt").write_text("\n".join(lines) + "\n")


def histograms(rng):
    """numpy's histogram, bincount, unique and quantile and scikit-image's threshold_otsu on
    images of several element types: (name, dtype, shape) in histogram_manifest.txt, results
    in <name>_hist.json."""
    from skimage.filters import threshold_otsu

    smooth = ndimage.gaussian_filter(rng.random((40, 33)), 2)
    images = {
        # Values on exact bin edges and ties: multiples of 1/8 from -12 to 12.
        "h_f64": (np.round(rng.standard_normal((31, 27)) * 32) / 8).astype("<f8"),
        "h_u8": (smooth * 255).astype("u1"),
        "h_u16": (rng.gamma(2.0, 300.0, (17, 12, 9))).astype("<u2"),
        "h_f64_3d": rng.standard_normal((9, 10, 11)).astype("<f8") ** 3,
        "h_i32": rng.integers(-40, 900, (25, 20)).astype("<i4"),
    }
    q = [0.0, 0.1, 0.25, 0.5, 0.731, 0.999, 1.0]
    lines = []
    for name, im in images.items():
        im.tofile(OUT / f"{name}.bin")
        lines.append(f"{name} {im.dtype.str} " + " ".join(map(str, im.shape)))
        lo, hi = float(im.min()), float(im.max())
        mid = (lo + hi) / 2
        results = {
            "histogram_10": np.histogram(im, 10)[0].tolist(),
            "histogram_edges_10": np.histogram_bin_edges(im, 10).tolist(),
            "histogram_7_range": np.histogram(im, 7, range=(lo + 0.1 * (hi - lo), mid))[0].tolist(),
            "range": [lo + 0.1 * (hi - lo), mid],
            "histogram_256": np.histogram(im, 256)[0].tolist(),
            "q": q,
            "quantile": np.quantile(im, q).tolist(),
            "percentile": np.percentile(im, [p * 100 for p in q]).tolist(),
            "unique": np.unique(im).tolist(),
            "otsu_256": float(threshold_otsu(im, 256)),
            "otsu_37": float(threshold_otsu(im, 37)),
        }
        if im.dtype.kind in "ui" and im.min() >= 0:
            results["bincount"] = np.bincount(im.ravel()).tolist()
        (OUT / f"{name}_hist.json").write_text(json.dumps(results))
    (OUT / "histogram_manifest.txt").write_text("\n".join(lines) + "\n")


def segment():
    """scikit-image's coins image and the reference results of examples/segment.rs's pipeline
    (scipy.ndimage and scikit-image, step for step) in tests/data/segment/."""
    from skimage import data
    from skimage.filters import threshold_otsu

    out = OUT.parent / "segment"
    out.mkdir(parents=True, exist_ok=True)
    coins = data.coins()  # BSD-licensed, shipped with scikit-image
    np.save(out / "coins.npy", coins)
    sigma = 2.0
    smooth = ndimage.gaussian_filter(coins.astype(float), sigma)
    threshold = threshold_otsu(smooth)
    closed = ndimage.binary_closing(smooth > threshold, structure=np.ones((3, 3), bool))
    labels, _ = ndimage.label(closed)
    objects, n = ndimage.label(clear_border(labels) > 0)
    index = np.arange(1, n + 1)
    results = {
        "sigma": sigma,
        "threshold": float(threshold),
        "count": int(n),
        "areas": np.bincount(objects.ravel())[1:].tolist(),
        "mean_intensity": ndimage.mean(coins, objects, index).tolist(),
    }
    (out / "segment.json").write_text(json.dumps(results, indent=1))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261202)
    for name, shape in {"m2d": (23, 19), "m3d": (9, 8, 7)}.items():
        image = np.round(rng.standard_normal(shape) * 100) / 8  # exact in binary, with ties
        labels, n = ndimage.label(rng.random(shape) < 0.45)
        labels = labels.astype("<u4")
        index = [1, 2, 3, n, 2, n + 5, 0]
        image.astype("<f8").tofile(OUT / f"{name}_image.bin")
        labels.tofile(OUT / f"{name}_labels.bin")
        lo, hi, at_lo, at_hi = ndimage.extrema(image, labels, index)
        results = {
            "shape": list(shape),
            "index": index,
            "sum": ndimage.sum_labels(image, labels, index).tolist(),
            "count": ndimage.sum_labels(np.ones(shape), labels, index).astype(int).tolist(),
            "mean": ndimage.mean(image, labels, index).tolist(),
            "variance": ndimage.variance(image, labels, index).tolist(),
            "standard_deviation": ndimage.standard_deviation(image, labels, index).tolist(),
            "minimum": np.asarray(ndimage.minimum(image, labels, index)).tolist(),
            "maximum": np.asarray(ndimage.maximum(image, labels, index)).tolist(),
            "center_of_mass": [list(c) for c in ndimage.center_of_mass(image, labels, index)],
            "minimum_position": [list(map(int, p)) for p in at_lo],
            "maximum_position": [list(map(int, p)) for p in at_hi],
            "find_objects": [
                None if s is None else [[r.start, r.stop] for r in s]
                for s in ndimage.find_objects(labels)
            ],
        }
        text = json.dumps(results).replace("NaN", "null")
        (OUT / f"{name}.json").write_text(text)
    labelling(rng)
    histograms(rng)
    segment()
    print(f"wrote fixtures to {OUT}")


if __name__ == "__main__":
    main()
