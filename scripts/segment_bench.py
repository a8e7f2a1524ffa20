"""The peers' side of benches/segment.rs.

Prints the best of 3 wall-clock times of scipy's `distance_transform_edt` and
`distance_transform_cdt` (chessboard) of a 4096 x 4096 mask, background where
`(p * 2654435761) % 1000 < 10` at row-major position p (about 1%), one thread.

and scikit-image's `watershed` of a 2048 x 2048 image
(`sin(i / 37) cos(j / 53) + ((i * 2048 + j) * 2654435761 % 1000) / 1e4`) from 500 markers (label
k + 1 at flat position k * 8389).

Also scikit-image's `regionprops_table` (area, centroid, bbox, intensity_mean) of 4,096 discs
(radius 24, one per 64 x 64 cell) on 4096 x 4096, intensity (7 i + 13 j) % 256.

Run beside `cargo bench --bench segment` in the same window; optional (nothing in the project
depends on it).
"""
import time

import numpy as np
import scipy.ndimage as nd
from skimage.measure import regionprops_table
from skimage.segmentation import watershed


def best_of_3(f):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    n = 4096
    p = np.arange(n * n, dtype=np.uint64)
    mask = ((p * np.uint64(2654435761)) % np.uint64(1000) >= 10).reshape(n, n)
    print(f"scipy distance_transform_edt 4096^2: {best_of_3(lambda: nd.distance_transform_edt(mask)) * 1e3:.1f} ms")
    print(f"scipy distance_transform_cdt 4096^2 chessboard: "
          f"{best_of_3(lambda: nd.distance_transform_cdt(mask)) * 1e3:.1f} ms")

    n = 2048
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    p = (i * n + j).astype(np.uint64)
    img = np.sin(i / 37.0) * np.cos(j / 53.0) + ((p * np.uint64(2654435761)) % np.uint64(1000)) / 1e4
    markers = np.zeros((n, n), np.int32)
    k = np.arange(500)
    markers.flat[k * 8389] = k + 1
    print(f"scikit-image watershed 2048^2, 500 markers: "
          f"{best_of_3(lambda: watershed(img, markers)) * 1e3:.1f} ms")
    n = 4096
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    r2 = (i % 64 - 32) ** 2 + (j % 64 - 32) ** 2
    labels = np.where(r2 < 24 * 24, (i // 64) * 64 + j // 64 + 1, 0).astype(np.int32)
    light = ((i * 7 + j * 13) % 256).astype(np.float64)
    props = ["label", "area", "centroid", "bbox", "intensity_mean"]
    print(f"scikit-image regionprops_table 4096^2, 4096 objects: "
          f"{best_of_3(lambda: regionprops_table(labels, light, properties=props)) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
