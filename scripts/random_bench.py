"""numpy's and dask's side of benches/random.rs: standard_normal of 10**8 float64.

Prints the best of 3 wall-clock times of
- numpy's `default_rng(1).standard_normal(10**8)` (one thread, ziggurat), and
- dask's `da.random.default_rng(1).standard_normal(10**8, chunks=10**8 // 64)` computed on
  the threaded scheduler with 2 workers.

Run beside `cargo bench --bench random` in the same window; optional (nothing in the project
depends on it).
"""
import time

import dask
import dask.array as da
import numpy as np

N = 10**8


def best_of_3(f):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    t_np = best_of_3(lambda: np.random.default_rng(1).standard_normal(N))
    with dask.config.set(scheduler="threads", num_workers=2):
        t_da = best_of_3(
            lambda: da.random.default_rng(1).standard_normal(N, chunks=N // 64).compute()
        )
    print(f"numpy standard_normal(1e8), 1 thread : {t_np * 1e3:8.1f} ms")
    print(f"dask standard_normal(1e8), 2 threads : {t_da * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
