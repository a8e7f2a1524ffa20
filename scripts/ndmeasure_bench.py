"""scipy.ndimage's and dask-image's timings for the jobs of benches/ndmeasure.rs (optional
comparison script; nothing in chunkwise depends on it). Run the benchmark first: it writes the
masks this script reads.

    cargo bench --bench ndmeasure && python3 scripts/ndmeasure_bench.py

Prints the median of 10 runs (3 for the slow ones) after a warm-up.
"""
import os
import tempfile
import time

import numpy as np
from scipy import ndimage

from ndfilters_bench import median_time  # median of runs after a warm-up


def main():
    tmp = tempfile.gettempdir()
    mask = np.load(os.path.join(tmp, "chunkwise-bench-mask-4096.npy"))
    image = np.load(os.path.join(tmp, "chunkwise-bench-image-4096.npy"))
    labels, n = ndimage.label(mask)
    print(f"4096 x 4096 mask: {n} objects")
    t = median_time(lambda: ndimage.label(mask))
    print(f"scipy label 4096^2: {t * 1e3:.0f} ms")
    index = np.arange(1, n + 1)
    t = median_time(lambda: ndimage.mean(image, labels, index))
    print(f"scipy mean over labels 4096^2: {t * 1e3:.0f} ms")
    try:
        import dask
        import dask.array as da
        from dask_image import ndmeasure

        dask.config.set(scheduler="threads", num_workers=2)
        dmask = da.from_array(mask, chunks=(1024, 1024))

        def dask_label():
            lab, num = ndmeasure.label(dmask)
            dask.compute(lab, num)

        t = median_time(dask_label, runs=3)
        print(f"dask-image label 4096^2, 1024^2 chunks, 2 threads: {t * 1e3:.0f} ms")
    except ImportError:
        print("dask-image not installed (pip install dask-image) for its figure")
    vol = np.load(os.path.join(tmp, "chunkwise-bench-mask-512.npy"))
    print(f"512^3 volume: {ndimage.label(vol)[1]} objects")
    t = median_time(lambda: ndimage.label(vol), runs=3)
    print(f"scipy label 512^3: {t * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
