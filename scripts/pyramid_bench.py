"""ngff-zarr's side of examples/pyramid.rs (optional comparison script; nothing in chunkwise
depends on it): a 5-level OME-Zarr pyramid of the same u16 source store, by
`to_ngff_image` + `to_multiscales` + `to_ngff_zarr` (dask underneath, 2 threads), with the
bin-shrink method (the mean of each 2 x 2 x 2 window, as chunkwise's `Coarsen::Mean`), or
`gaussian` for dask-image's Gaussian.

    python3 scripts/pyramid_bench.py DIR [gaussian]

DIR is the directory examples/pyramid.rs made (DIR/source.zarr). Prints the time and the
peak resident memory.
"""
import resource
import sys
import time

import dask
import dask.array as da
import ngff_zarr as nz


def main():
    d = sys.argv[1]
    method = nz.Methods.DASK_IMAGE_GAUSSIAN if sys.argv[2:] == ["gaussian"] else nz.Methods.DASK_BIN_SHRINK
    dask.config.set(scheduler="threads", num_workers=2)
    t = time.perf_counter()
    volume = da.from_zarr(f"{d}/source.zarr")
    image = nz.to_ngff_image(volume, dims=["z", "y", "x"])
    multiscales = nz.to_multiscales(image, scale_factors=[2, 4, 8, 16], method=method, chunks=(64, 256, 256))
    nz.to_ngff_zarr(f"{d}/ngff.ome.zarr", multiscales, version="0.5")
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ngff-zarr 5-level pyramid ({method.name}) of {volume.nbytes / 2**30:.2f} GiB: {took:.2f} s, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
