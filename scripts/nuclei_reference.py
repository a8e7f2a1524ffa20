"""The reference for examples/nuclei.rs: scipy's and scikit-image's nuclei pipeline on the same
synthetic image of touching discs.

Optional: the committed tests/data/nuclei/reference.txt was made with it (versions in its first
line); the example builds the same image by the same formula and needs no Python.

    python3 scripts/nuclei_reference.py

The image (512 x 512): discs on a jittered 16 x 16 grid, disc (a, b) centred at
(32 a + 16 + (7 a + 3 b) % 9 - 4, 32 b + 16 + (5 a + 11 b) % 9 - 4) with radius
13 + (3 a + 5 b) % 6, so that neighbours touch and overlap; the value of a cell is the number
of discs covering it plus ((7 p + 3) % 13) / 26 at row-major position p (a texture).

The pipeline: foreground `image > 0.5`, its Euclidean distance transform, markers where the
distance equals its 7 x 7 maximum (`mode='reflect'`) inside the foreground, labelled with full
connectivity, the watershed of the negated distance from them within the foreground, and the
region table (area, centroid, mean intensity, equivalent diameter) of the result.

Output lines: `count ; n`, `checksum ; sum over cells of label * (p % 1009 + 1)`, then one line
per column of the table.
"""
import pathlib

import numpy as np
import scipy
import scipy.ndimage as nd
import skimage
from skimage.measure import regionprops_table
from skimage.segmentation import watershed

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "nuclei" / "reference.txt"
N = 512


def image():
    i, j = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    img = np.zeros((N, N))
    for a in range(16):
        for b in range(16):
            ci = 32 * a + 16 + (7 * a + 3 * b) % 9 - 4
            cj = 32 * b + 16 + (5 * a + 11 * b) % 9 - 4
            r = 13 + (3 * a + 5 * b) % 6
            img += (i - ci) ** 2 + (j - cj) ** 2 <= r * r
    p = np.arange(N * N).reshape(N, N)
    return img + ((7 * p + 3) % 13) / 26.0


img = image()
mask = img > 0.5
dist = nd.distance_transform_edt(mask)
peaks = (nd.maximum_filter(dist, size=7, mode="reflect") == dist) & mask
markers, _ = nd.label(peaks, structure=np.ones((3, 3)))
labels = watershed(-dist, markers, mask=mask)
table = regionprops_table(labels, img, properties=["label", "area", "centroid", "intensity_mean",
                                                   "equivalent_diameter_area"])
p = np.arange(N * N).reshape(N, N)
lines = [f"# scipy {scipy.__version__}, scikit-image {skimage.__version__}",
         f"count ; {labels.max()}",
         f"checksum ; {int((labels.astype(np.int64) * (p % 1009 + 1)).sum())}"]
for name, values in table.items():
    lines.append(f"{name} ; " + ",".join(repr(float(v)) for v in values))
OUT.write_text("\n".join(lines) + "\n")
print(f"{labels.max()} nuclei -> {OUT}")
