"""dask + zarr-python on benches/io.rs's job, for comparison (optional; not used by the project).

1 GiB of float64 (16384 x 8192, the same ramp) in 8 MiB chunks (1024 x 1024), written and read
back uncompressed and with zstd level 3, on dask's threaded scheduler with 1 and 2 workers.
Prints the best of `REPEAT` runs per case, in GB/s (GiB-based, as criterion's GiB/s).

    python3 scripts/zarr_bench.py [DIR]
"""
import shutil
import sys
import tempfile
import time

import dask
import dask.array as da
import numpy as np
import zarr
from zarr.codecs import ZstdCodec

REPEAT = 3


def best(f):
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="chunkwise-zarr-bench-")
    i, j = np.indices((16384, 8192), dtype=np.int64)
    a = ((i * 8192 + j) % 100_000).astype(np.float64) * 1e-3
    del i, j
    x = da.from_array(a, chunks=(1024, 1024))
    gib = 1.0
    for name, compressors in [("raw", None), ("zstd3", ZstdCodec(level=3))]:
        path = f"{root}/{name}"
        for workers in (1, 2):
            with dask.config.set(scheduler="threads", num_workers=workers):

                def write():
                    z = zarr.create_array(
                        path, shape=a.shape, chunks=(1024, 1024), dtype=a.dtype,
                        compressors=compressors, overwrite=True,
                    )
                    da.store(x, z, lock=False)

                w = best(write)
                r = best(lambda: da.from_zarr(path).compute())
            print(f"dask+zarr {name:5} workers={workers}: write {gib / w:5.2f} GiB/s "
                  f"({w:.2f} s), read {gib / r:5.2f} GiB/s ({r:.2f} s)")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
