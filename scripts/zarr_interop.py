"""Interoperability check between chunkwise and zarr-python / dask / numpy.

    python3 scripts/zarr_interop.py check DIR   # arrays chunkwise wrote under DIR
    python3 scripts/zarr_interop.py write DIR   # arrays for chunkwise to read

Every array holds value(i, j, k) = 100*i + 10*j + k (cast to its type; bool: value % 3 == 0;
complex: value - value/2 j),
so each side checks the other against the formula, not against itself. Run by tests/interop.rs.
"""
import sys

import numpy as np


def expected(shape, dtype):
    grids = np.indices(shape)
    v = sum((w * g for w, g in zip([100, 10, 1], grids)), np.zeros(shape, dtype=np.int64))
    if dtype == np.bool_:
        return v % 3 == 0
    if np.issubdtype(dtype, np.complexfloating):
        return (v - 0.5j * v).astype(dtype)
    return v.astype(dtype)


def check(root):
    import dask.array as da
    import zarr

    cases = [
        ("f64_zstd", (7, 6, 5), np.float64),
        ("i32_raw", (9, 4), np.int32),
        ("bool_gzip", (5, 5), np.bool_),
        ("u16_zstd", (10,), np.uint16),
        ("u16_sharded", (9, 10), np.uint16),
        ("c128_zstd", (7, 6), np.complex128),
        ("c64_raw", (5, 4), np.complex64),
    ]
    for name, shape, dtype in cases:
        want = expected(shape, dtype)
        z = zarr.open_array(f"{root}/{name}", mode="r")
        got = z[...]
        assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
        np.testing.assert_array_equal(got, want, err_msg=name)
        lazy = da.from_zarr(f"{root}/{name}")
        np.testing.assert_array_equal(lazy.compute(), want, err_msg=f"dask {name}")
    assert zarr.open_array(f"{root}/u16_sharded", mode="r").shards == (4, 6)
    got = np.load(f"{root}/f32.npy")
    np.testing.assert_array_equal(got, expected((6, 7), np.float32))
    got = np.load(f"{root}/c128.npy")
    assert got.dtype == np.complex128
    np.testing.assert_array_equal(got, expected((4, 3), np.complex128))
    print("chunkwise -> zarr-python, dask, numpy: ok")


def write(root):
    import numcodecs
    import zarr

    a = expected((11, 7, 3), np.float32)
    z = zarr.create_array(f"{root}/v3_f32", shape=a.shape, chunks=(4, 4, 3), dtype=a.dtype)
    z[...] = a
    b = expected((9, 8), np.int64)
    z = zarr.create_array(
        f"{root}/v2_i64_blosc",
        shape=b.shape,
        chunks=(5, 3),
        dtype=b.dtype,
        zarr_format=2,
        compressors=numcodecs.Blosc(cname="lz4", clevel=5),
    )
    z[...] = b
    c = expected((6, 5), np.uint8)
    z = zarr.create_array(
        f"{root}/v2_u8_zstd", shape=c.shape, chunks=(4, 4), dtype=c.dtype,
        zarr_format=2, compressors=numcodecs.Zstd(level=1),
    )
    z[...] = c
    d = expected((11, 9), np.int32)
    z = zarr.create_array(f"{root}/v3_i32_sharded", shape=d.shape, chunks=(2, 3), shards=(4, 6), dtype=d.dtype)
    z[...] = d
    np.save(f"{root}/f64.npy", expected((5, 4, 3), np.float64))
    np.save(f"{root}/bool.npy", expected((13,), np.bool_))
    e = expected((6, 7), np.complex128)
    z = zarr.create_array(f"{root}/v3_c128", shape=e.shape, chunks=(4, 3), dtype=e.dtype)
    z[...] = e
    f = expected((5, 4), np.complex64)
    z = zarr.create_array(f"{root}/v3_c64", shape=f.shape, chunks=(2, 4), dtype=f.dtype)
    z[...] = f
    np.save(f"{root}/c64.npy", expected((3, 5), np.complex64))
    print("zarr-python, numpy -> chunkwise: written")


if __name__ == "__main__":
    {"check": check, "write": write}[sys.argv[1]](sys.argv[2])
