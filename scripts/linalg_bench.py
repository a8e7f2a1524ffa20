"""numpy's and dask's side of benches/linalg.rs: QR of a 2,000,000 x 100 float64 matrix.

Prints the best of 3 wall-clock times of
- numpy's `np.linalg.qr(a)` (reduced: Q and R) of the whole matrix in memory, and
- dask's `da.linalg.qr` of the same matrix in 100,000-row chunks (persisted first, as the
  bench's), Q and R computed together on the threaded scheduler with 2 workers,
with the BLAS limited to 2 threads (threadpoolctl), and says which BLAS runs.

Run beside `cargo bench --bench linalg` in the same window, with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset (`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 ...`); optional
(nothing in the project depends on it).
"""
import time

import dask
import dask.array as da
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

M, N, ROWS = 2_000_000, 100, 100_000


def best_of_3(f):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    a = np.random.default_rng(1).random((M, N))
    with threadpool_limits(limits=2):
        for info in threadpool_info():
            print(f"BLAS: {info.get('internal_api')} {info.get('version')} "
                  f"{info.get('architecture')} threads={info.get('num_threads')}")
        t_np = best_of_3(lambda: np.linalg.qr(a))
        x = da.from_array(a, chunks=(ROWS, N)).persist()
        with dask.config.set(scheduler="threads", num_workers=2):
            t_da = best_of_3(lambda: dask.compute(*da.linalg.qr(x)))
        # dask's tasks each call the BLAS: one thread each, as chunkwise's kernels.
        with threadpool_limits(limits=1):
            with dask.config.set(scheduler="threads", num_workers=2):
                t_da1 = best_of_3(lambda: dask.compute(*da.linalg.qr(x)))
    print(f"numpy qr(2e6 x 100), BLAS on 2 threads      : {t_np * 1e3:8.1f} ms")
    print(f"dask qr, 2 workers, BLAS on 2 threads        : {t_da * 1e3:8.1f} ms")
    print(f"dask qr, 2 workers, BLAS on 1 thread each    : {t_da1 * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
