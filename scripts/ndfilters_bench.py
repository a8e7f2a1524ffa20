"""scipy.ndimage's single-threaded timings for the jobs of benches/ndfilters.rs, and dask.array's
map_overlap of scipy's Gaussian on 2 threads (optional comparison script; nothing in chunkwise
depends on it).

    python3 scripts/ndfilters_bench.py           # every job
    python3 scripts/ndfilters_bench.py gaussian  # the Gaussian jobs only (scipy and dask)

Prints the median of 10 runs (5 for the slow ones), after a warm-up, for the same images the
benchmarks and examples/image_filter build.
"""
import sys
import time

import numpy as np
from scipy import ndimage


def median_time(fn, runs=10):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def dask_gaussian(img):
    """dask.array's map_overlap of scipy's Gaussian (sigma 3, radius 12) on 1024 x 1024 blocks,
    2 threads, end to end from the numpy array to the numpy result."""
    import dask.array as da

    def run():
        x = da.from_array(img, chunks=1024)
        y = x.map_overlap(
            lambda b: ndimage.gaussian_filter(b, 3.0, mode="reflect"),
            depth=12,
            boundary="reflect",
        )
        return y.compute(scheduler="threads", num_workers=2)

    return median_time(run, runs=5)


def main():
    only_gaussian = sys.argv[1:] == ["gaussian"]
    i, j = np.indices((4096, 4096))
    img = ((i * 31 + j * 17) % 101) / 100.0
    if not only_gaussian:
        t = median_time(lambda: ndimage.uniform_filter(img, 31, mode="reflect"))
        print(f"uniform_filter size 31, 4096 x 4096 f64: {t * 1e3:.1f} ms")
    t = median_time(lambda: ndimage.gaussian_filter(img, 3.0, mode="reflect"))
    print(f"gaussian_filter sigma 3, 4096 x 4096 f64: {t * 1e3:.1f} ms")
    t = dask_gaussian(img)
    print(f"dask map_overlap gaussian sigma 3, 4096 x 4096 f64, 1024 blocks, 2 threads: {t * 1e3:.1f} ms")
    if only_gaussian:
        return
    i, j = np.indices((2048, 2048))
    u16 = ((i * 131 + j * 71) % 4099).astype(np.uint16)
    t = median_time(lambda: ndimage.median_filter(u16, 5, mode="reflect"), runs=5)
    print(f"median_filter size 5, 2048 x 2048 u16: {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
