"""scipy's side of benches/ndmorph.rs.

Prints the best of 3 wall-clock times of scipy's `distance_transform_edt` and
`distance_transform_cdt` (chessboard) of a 4096 x 4096 mask, background where
`(p * 2654435761) % 1000 < 10` at row-major position p (about 1%), one thread.

Run beside `cargo bench --bench ndmorph` in the same window; optional (nothing in the project
depends on it).
"""
import time

import numpy as np
import scipy.ndimage as nd


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


if __name__ == "__main__":
    main()
