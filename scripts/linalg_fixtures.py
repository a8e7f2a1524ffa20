"""Reference results of numpy.linalg for chunkwise's linalg tests.

Optional comparison script: the committed fixtures under tests/data/linalg/ were made with it
(numpy version in the manifest's first line); the Rust tests (tests/linalg.rs) read them and
need no Python.

    python3 scripts/linalg_fixtures.py

Writes raw little-endian f64 arrays (<name>.bin, C order) and a manifest, one case per line:
    svd <a> <m> <n> ; <singular values...>
    lstsq <a> <m> <n> <b> <k> ; <x, row-major, n x k> ; <residuals...> ; <rank> ; <singular values...>
(`k` 0 means a vector b.)
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "linalg"


def save(name, a):
    np.ascontiguousarray(a, dtype="<f8").tofile(OUT / f"{name}.bin")


def nums(v):
    return " ".join(repr(float(x)) for x in np.ravel(v))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
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
    (OUT / "manifest.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
