"""Reference results of numpy.linalg and scipy.linalg for chunkwise's linalg tests.

Optional comparison script: the committed fixtures under tests/data/linalg/ were made with it
(numpy version in the manifest's first line); the Rust tests (tests/linalg.rs) read them and
need no Python.

    python3 scripts/linalg_fixtures.py

Writes raw little-endian f64 arrays (<name>.bin, C order) and a manifest, one case per line:
    svd <a> <m> <n> ; <singular values...>
    lstsq <a> <m> <n> <b> <k> ; <x, row-major, n x k> ; <residuals...> ; <rank> ; <singular values...>
    square <a> <n> <b> <k> ; <solve(a, b)> ; <inv(a)> ; <cholesky(aᵀa + I)> ; <P> ; <L> ; <U>
(`k` 0 means a vector b; P, L, U are scipy.linalg.lu's, P L U = a; matrices row-major.)

It also writes pca.txt for examples/pca.rs: numpy's singular values of the example's centred
data set (made here by the same formula as in the example) and its first three principal axes.
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "linalg"


def save(name, a):
    np.ascontiguousarray(a, dtype="<f8").tofile(OUT / f"{name}.bin")


def nums(v):
    return " ".join(repr(float(x)) for x in np.ravel(v))


def unit(i, j, seed):
    """The example's pseudo-random numbers in [0, 1): SplitMix64's mixer of a cell's index."""
    with np.errstate(over="ignore"):
        z = (i.astype(np.uint64) * np.uint64(1_000_003) + j.astype(np.uint64) * np.uint64(7919)
             + np.uint64(seed) * np.uint64(0x1234567) + np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


def pca_data(n=100_000, features=16):
    """The data set of examples/pca.rs: three latent factors of scales 5, 3 and 1 mixed into 16
    features, plus noise of 0.1."""
    i = np.arange(n)[:, None]
    latent = (unit(i, np.arange(3)[None, :], 1) - 0.5) * np.array([5.0, 3.0, 1.0]) * np.sqrt(12)
    loadings = unit(np.arange(3)[:, None], np.arange(features)[None, :], 2) - 0.5
    noise = (unit(i, np.arange(features)[None, :], 3) - 0.5) * 0.1 * np.sqrt(12)
    return latent @ loadings + noise


def pca_fixture():
    x = pca_data()
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    lines = [f"# numpy {np.__version__}: singular values, then the first three principal axes",
             nums(s)] + [nums(row) for row in vt[:3]]
    (OUT / "pca.txt").write_text("\n".join(lines) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    pca_fixture()
    rng = np.random.default_rng(20261207)
    lines = [f"# numpy {np.__version__} (scripts/linalg_fixtures.py)"]
    mats = {
        "tall": rng.standard_normal((300, 7)),
        "square": rng.standard_normal((12, 12)),
        "thin": rng.standard_normal((1000, 3)),
        # Rank 4 of 6 columns: two columns are combinations of the others.
        "deficient": None,
        # Columns scaled over 8 orders of magnitude: ill-conditioned, full rank.
        "graded": rng.standard_normal((200, 5)) * np.logspace(0, -8, 5),
    }
    base = rng.standard_normal((150, 4))
    mats["deficient"] = np.hstack([base, base[:, :2] @ [[1.0, 2.0], [-1.0, 0.5]]])
    for name, a in mats.items():
        save(name, a)
        m, n = a.shape
        lines.append(f"svd {name} {m} {n} ; {nums(np.linalg.svd(a, compute_uv=False))}")
    for name, k in [("tall", 0), ("tall", 3), ("deficient", 0), ("deficient", 2), ("graded", 0), ("square", 1)]:
        a = mats[name]
        m, n = a.shape
        b = rng.standard_normal((m,) if k == 0 else (m, k))
        bname = f"b_{name}_{k}"
        save(bname, b)
        x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
        lines.append(f"lstsq {name} {m} {n} {bname} {k} ; {nums(x)} ; {nums(res)} ; {rank} ; {nums(s)}")
    # Square systems: the "square" matrix, and one whose diagonal tiles are all but zero for
    # any tiling (an anti-diagonal permutation plus 1e-3 noise), so that partial pivoting must
    # take its pivots from other tiles.
    import scipy.linalg
    mats["pivoted"] = np.eye(12)[::-1] + 1e-3 * rng.standard_normal((12, 12))
    save("pivoted", mats["pivoted"])
    for name, k in [("square", 3), ("pivoted", 0)]:
        a = mats[name]
        n = a.shape[0]
        b = rng.standard_normal((n,) if k == 0 else (n, k))
        bname = f"b_{name}_solve_{k}"
        save(bname, b)
        p, l, u = scipy.linalg.lu(a)
        chol = np.linalg.cholesky(a.T @ a + np.eye(n))
        fields = [np.linalg.solve(a, b), np.linalg.inv(a), chol, p, l, u]
        lines.append(f"square {name} {n} {bname} {k} ; " + " ; ".join(nums(f) for f in fields))
    (OUT / "manifest.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
