"""numpy's and dask's side of benches/fft.rs: rfft2 of a 4096 x 4096 float64 array.

Prints the best of 3 wall-clock times of numpy's `numpy.fft.rfft2` of the whole array in
memory (pocketfft, one thread) and dask's `dask.array.fft.rfft2` of it in 1024-row chunks
(persisted; dask needs the transformed axes whole, so it is rechunked to whole columns for the
first axis's transform as chunkwise does) on the threaded scheduler with 2 workers.

Run beside `cargo bench --bench fft` in the same window; optional (nothing in the project
depends on it).
"""
import time

import dask
import dask.array as da
import numpy as np

N = 4096


def best_of_3(f):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    a = np.random.default_rng(1).random((N, N))
    t_np = best_of_3(lambda: np.fft.rfft2(a))
    x = da.from_array(a, chunks=(1024, N)).persist()

    def dask_rfft2():
        # dask's rfft2 refuses an axis cut into chunks: the last axis is whole; the first is
        # transformed after a rechunk to whole columns.
        half = da.fft.rfft(x, axis=1)
        return da.fft.fft(half.rechunk({0: N, 1: 1025}), axis=0).compute()

    with dask.config.set(scheduler="threads", num_workers=2):
        t_da = best_of_3(dask_rfft2)
    print(f"numpy rfft2(4096 x 4096), 1 thread : {t_np * 1e3:8.1f} ms")
    print(f"dask rfft + rechunk + fft, 2 workers: {t_da * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
