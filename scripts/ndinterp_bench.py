"""scipy's and dask-image's side of benches/ndinterp.rs.

Prints the best of 3 wall-clock times of:
- scipy's `zoom` by 2 of a 2048 x 2048 float64 image, order 3 (one thread), and dask-image's
  `affine_transform` doing the same zoom (the matrix scipy's zoom uses, output chunks 512)
  on the threaded scheduler with 2 workers, the input in 512 x 512 chunks, persisted;
- scipy's `affine_transform` of a 256³ float64 volume by a rotation of 10° about its centre in
  the plane of axes 0 and 1, order 1.

Run beside `cargo bench --bench ndinterp` in the same window; optional (nothing in the project
depends on it).
"""
import time

import dask
import dask.array as da
import numpy as np
import scipy.ndimage as nd
from dask_image import ndinterp


def best_of_3(f):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def rotation(deg, n):
    s, c = np.sin(np.radians(deg)), np.cos(np.radians(deg))
    m = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    h = (n - 1) / 2.0
    offset = np.array([h - (m[0, 0] * h + m[0, 1] * h), h - (m[1, 0] * h + m[1, 1] * h), 0.0])
    return m, offset


def main():
    a = np.random.default_rng(1).random((2048, 2048))
    t_zoom = best_of_3(lambda: nd.zoom(a, 2, order=3))
    x = da.from_array(a, chunks=(512, 512)).persist()
    ratio = 2047 / 4095
    with dask.config.set(scheduler="threads", num_workers=2):
        t_di = best_of_3(lambda: ndinterp.affine_transform(
            x, np.diag([ratio, ratio]), output_shape=(4096, 4096), order=3,
            output_chunks=(512, 512)).compute())
    v = np.random.default_rng(1).random((256, 256, 256))
    m, offset = rotation(10.0, 256)
    t_rot = best_of_3(lambda: nd.affine_transform(v, m, offset=offset, order=1))
    print(f"scipy zoom x2 2048^2 order 3, 1 thread     : {t_zoom * 1e3:8.1f} ms")
    print(f"dask-image affine zoom x2, 2 workers        : {t_di * 1e3:8.1f} ms")
    print(f"scipy affine rotate 10deg 256^3 order 1     : {t_rot * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
