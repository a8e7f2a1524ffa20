"""dask's side of the topk benchmark in benches/reductions.rs: `da.topk(x, 10)` of 10^8
float64 in chunks of 10^7, persisted, on the threaded scheduler with 2 workers; best of 3.

Run beside `cargo bench --bench reductions -- topk` in the same window; optional (nothing in
the project depends on it).
"""
import time

import dask
import dask.array as da
import numpy as np


def main():
    a = np.random.default_rng(3).random(100_000_000)
    x = da.from_array(a, chunks=10_000_000).persist()
    best = float("inf")
    with dask.config.set(scheduler="threads", num_workers=2):
        for _ in range(3):
            t = time.perf_counter()
            da.topk(x, 10).compute()
            best = min(best, time.perf_counter() - t)
    print(f"dask topk(10) of 1e8, 2 workers: {best * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
