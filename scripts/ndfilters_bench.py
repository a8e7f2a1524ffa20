"""scipy.ndimage's single-threaded timings for the jobs of benches/ndfilters.rs (optional
comparison script; nothing in chunkwise depends on it).

    python3 scripts/ndfilters_bench.py

Prints the median of 10 runs, after a warm-up, for the same images the benchmarks build.
"""
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


def main():
    i, j = np.indices((4096, 4096))
    img = ((i * 31 + j * 17) % 101) / 100.0
    t = median_time(lambda: ndimage.uniform_filter(img, 31, mode="reflect"))
    print(f"uniform_filter size 31, 4096 x 4096 f64: {t * 1e3:.1f} ms")
    t = median_time(lambda: ndimage.gaussian_filter(img, 3.0, mode="reflect"))
    print(f"gaussian_filter sigma 3, 4096 x 4096 f64: {t * 1e3:.1f} ms")
    i, j = np.indices((2048, 2048))
    u16 = ((i * 131 + j * 71) % 4099).astype(np.uint16)
    t = median_time(lambda: ndimage.median_filter(u16, 5, mode="reflect"), runs=5)
    print(f"median_filter size 5, 2048 x 2048 u16: {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
