"""numpy's and dask's side of benches/linalg.rs.

Prints the best of 3 wall-clock times of
- numpy's `np.linalg.qr(a)` (reduced: Q and R) of a 2,000,000 x 100 float64 matrix in memory,
  and dask's `da.linalg.qr` of it in 100,000-row chunks (persisted first, as the bench's), Q and
  R computed together on the threaded scheduler with 2 workers;
- dask's `da.linalg.svd_compressed(a, 20)` of 200,000 x 2,000 in 10,000-row chunks;
- numpy's `np.linalg.lstsq` of 1,000,000 x 50;
- numpy's and dask's `cholesky`, `solve` (one right-hand side) and `inv` of a 4,000 x 4,000
  symmetric positive-definite matrix (dask's in 1,000 x 1,000 chunks, persisted);
with the BLAS limited to 2 threads (threadpoolctl), and says which BLAS runs.

Run beside `cargo bench --bench linalg` in the same window, with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset (`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 ...`); optional
(nothing in the project depends on it).
"""
import sys
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
    """`python3 scripts/linalg_bench.py [qr] [svd] [lstsq] [square]`: the workloads named (all
    by default)."""
    only = set(sys.argv[1:]) or {"qr", "svd", "lstsq", "square"}
    with threadpool_limits(limits=2):
        for info in threadpool_info():
            print(f"BLAS: {info.get('internal_api')} {info.get('version')} "
                  f"{info.get('architecture')} threads={info.get('num_threads')}")
        if "qr" in only:
            qr()
        if "svd" in only:
            svd()
        if "lstsq" in only:
            lstsq()
        if "square" in only:
            square()


def qr():
    a = np.random.default_rng(1).random((M, N))
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


def svd():
    a = np.random.default_rng(2).random((200_000, 2_000))
    x = da.from_array(a, chunks=(10_000, 2_000)).persist()
    with dask.config.set(scheduler="threads", num_workers=2):
        t_svd = best_of_3(lambda: dask.compute(*da.linalg.svd_compressed(x, 20, seed=7)))
    print(f"dask svd_compressed(2e5 x 2000, k=20), 2 workers: {t_svd * 1e3:8.1f} ms")


def lstsq():
    a = np.random.default_rng(3).random((1_000_000, 50))
    y = np.random.default_rng(4).random(1_000_000)
    t_lstsq = best_of_3(lambda: np.linalg.lstsq(a, y, rcond=None))
    print(f"numpy lstsq(1e6 x 50), BLAS on 2 threads    : {t_lstsq * 1e3:8.1f} ms")


def square():
    n, tile = 4_000, 1_000
    r = np.random.default_rng(5).random((n, n))
    a = r + r.T + 2 * n * np.eye(n)
    b = np.random.default_rng(6).random(n)
    x = da.from_array(a, chunks=tile).persist()
    y = da.from_array(b, chunks=tile).persist()
    for name, f_np, f_da in [
        ("cholesky", lambda: np.linalg.cholesky(a), lambda: da.linalg.cholesky(x, lower=True)),
        ("solve", lambda: np.linalg.solve(a, b), lambda: da.linalg.solve(x, y)),
        ("inv", lambda: np.linalg.inv(a), lambda: da.linalg.inv(x)),
    ]:
        t_np = best_of_3(f_np)
        with dask.config.set(scheduler="threads", num_workers=2):
            t_da = best_of_3(lambda: f_da().compute())
        print(f"{name} 4000 x 4000: numpy (BLAS 2 threads) {t_np * 1e3:8.1f} ms, "
              f"dask 1000-chunks, 2 workers {t_da * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
