"""scikit-image's `regionprops_table` on synthetic labels, for chunkwise's tests
(tests/ndmeasure.rs).

Optional comparison script: the committed fixture tests/data/ndmeasure/regionprops.txt was
made with it (version in its first line); the Rust test builds the same inputs by the same
formulas and needs no Python.

    python3 scripts/regionprops_fixtures.py

One line per column: <case> ; <column> ; <values, one per label in increasing order>
(the `label` column first). Labels: tilted ellipses (ellipsoids in 3-D) given by integer
quadratic forms, later ones drawn over earlier ones, labelled 3 k + 2 (gaps in the numbering),
plus label 40 on two separate cells (2-D) and label 50 on a shape with no symmetry (a
right triangle; a cube's corner cut off by a plane). Intensity at row-major position p: ((7 p + 3) % 13) / 2 + 1.
"""
import pathlib

import numpy as np
import skimage
from skimage.measure import regionprops_table

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndmeasure" / "regionprops.txt"

# Centre, then the quadratic form's coefficients (a, b, c): a dx^2 + b dx dy + c dy^2 <= r.
ELLIPSES = [((8, 10), (4, 3, 2), 60), ((20, 30), (1, -1, 3), 80), ((30, 12), (5, 0, 1), 90),
            ((12, 38), (2, 2, 2), 70), ((33, 40), (1, 1, 1), 20), ((25, 22), (3, -4, 3), 40)]
ELLIPSOIDS = [((4, 5, 4), (2, 1, 3, 1), 20), ((8, 9, 6), (1, 2, 1, -1), 14),
              ((6, 4, 7), (3, 1, 1, 1), 12)]

PROPS_2D = ["label", "area", "area_bbox", "bbox", "centroid", "centroid_weighted",
            "intensity_mean", "intensity_min", "intensity_max", "moments", "moments_central",
            "moments_normalized", "moments_hu", "inertia_tensor", "inertia_tensor_eigvals",
            "axis_major_length", "axis_minor_length", "orientation", "eccentricity",
            "equivalent_diameter_area", "extent"]
PROPS_3D = [p for p in PROPS_2D if p not in ("moments_hu", "orientation", "eccentricity")]


def labels_2d(shape):
    i, j = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    out = np.zeros(shape, np.int64)
    for k, ((ci, cj), (a, b, c), r) in enumerate(ELLIPSES):
        di, dj = i - ci, j - cj
        out[a * di * di + b * di * dj + c * dj * dj <= r] = 3 * k + 2
    out[0, 49] = 40
    out[39, 0] = 40
    # A right triangle: no symmetry, so that every Hu invariant is far from 0.
    out[(i >= 28) & (j >= 2) & ((i - 28) + 2 * (j - 2) <= 10)] = 50
    return out


def labels_3d(shape):
    i, j, k = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
    out = np.zeros(shape, np.int64)
    for n, ((ci, cj, ck), (a, b, c, d), r) in enumerate(ELLIPSOIDS):
        di, dj, dk = i - ci, j - cj, k - ck
        out[a * di * di + b * dj * dj + c * dk * dk + d * di * dj <= r] = 3 * n + 2
    # A corner of a cube cut off by a plane: no symmetry.
    out[(i >= 7) & (j >= 1) & (k >= 1) & ((i - 7) + 2 * (j - 1) + 3 * (k - 1) <= 8)] = 50
    return out


def intensity(shape):
    p = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((7 * p + 3) % 13) / 2.0 + 1.0).reshape(shape)


lines = [f"# scikit-image {skimage.__version__}"]
for case, labels, props in (("2d", labels_2d((40, 50)), PROPS_2D),
                            ("3d", labels_3d((12, 14, 10)), PROPS_3D)):
    t = regionprops_table(labels, intensity(labels.shape), properties=props)
    for name, values in t.items():
        lines.append(f"{case} ; {name} ; " + ",".join(repr(float(v)) for v in values))
OUT.write_text("\n".join(lines) + "\n")
print(f"{len(lines) - 1} columns -> {OUT}")

# scipy's per-label medians and sums and value_indices of the same 2-D labels and intensity
# (tests/ndmeasure.rs reads them from tests/data/ndmeasure/values.txt).
import scipy
import scipy.ndimage as nd

VALUES = OUT.parent / "values.txt"
labels = labels_2d((40, 50))
light = intensity(labels.shape)
index = sorted(set(np.unique(labels)) - {0})
out = [f"# scipy {scipy.__version__}",
       "index ; " + ",".join(str(int(i)) for i in index),
       "median ; " + ",".join(repr(float(v)) for v in nd.median(light, labels, index)),
       "sum_labels ; " + ",".join(repr(float(v)) for v in nd.sum_labels(light, labels, index))]
for name, arr, ignore in (("labels", labels, 0), ("codes", (light * 2).astype(np.uint8), None)):
    for value, where in nd.value_indices(arr, ignore_value=ignore).items():
        out.append(f"value_indices {name} {int(value)} ; "
                   + " ; ".join(",".join(str(int(c)) for c in axis) for axis in where))
VALUES.write_text("\n".join(out) + "\n")
print(f"{len(out) - 1} lines -> {VALUES}")
