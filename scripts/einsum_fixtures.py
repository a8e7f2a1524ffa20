"""numpy's einsum on a table of subscripts, for chunkwise's einsum test.

Optional comparison script: the committed fixture tests/data/linalg/einsum.txt was made with it
(numpy version in its first line); the Rust test (tests/linalg.rs) reads it, builds the same
operands by the same formula, and needs no Python.

    python3 scripts/einsum_fixtures.py

One case per line:
    <subscripts> ; <operand shapes, 'x'-joined, '|'-separated> ; <result shape> ; <values...>
Operand k's value at row-major position p is ((7 p + 13 k) % 11 - 5) / 4.
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "linalg" / "einsum.txt"
SIZES = dict(a=2, b=3, c=4, d=2, i=3, j=4, k=2, l=3)

CASES = [
    "ij,jk->ik", "ij,jk", "ii", "ii->i", "ij->ji", "ij->", "ij->i", "ij->j", "i,i", "i,i->i",
    "i,j->ij", "ijk,ikl->ijl", "bij,bjk->bik", "ijk->kji", "ijk->", "iij->j", "iji->j",
    "ij,ij->", "ij,ij->ij", "ij,kj->ik", "ji,jk->ik", "ij,j->i", "i,ij->j", "ijk,jk->i",
    "ij,jk,kl->il", "i,i,i->", "ab,cd->abcd", "abc,cd->abd", "ij", "ji", "ba,ab->", "kii->k",
    # Contractions whose output order is not tensordot's (the free labels of the first operand,
    # then the second's).
    "jk,ij", "ij,jk->ki", "abc,bd->dca", "ai,ib->ba",
]
# Cases with an ellipsis: their operand shapes.
ELLIPSIS = [
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
    ("...i->...", [(2, 3, 4)]),
    ("i...->...", [(3, 2, 4)]),
    ("...,...", [(2, 3), (3,)]),
    ("...ij,jk", [(2, 3, 4), (4, 2)]),
    ("i...i", [(3, 2, 3)]),
]


def operand(k, shape):
    p = np.arange(int(np.prod(shape)))
    return (((7 * p + 13 * k) % 11) - 5).reshape(shape) / 4.0


def shape_of(term):
    return tuple(SIZES[c] for c in term)


def fmt_shape(shape):
    return "x".join(map(str, shape))


def main():
    lines = [f"# numpy {np.__version__} (scripts/einsum_fixtures.py)"]
    cases = [(s, [shape_of(t) for t in s.split("->")[0].split(",")]) for s in CASES] + ELLIPSIS
    for subscripts, shapes in cases:
        ops = [operand(k, sh) for k, sh in enumerate(shapes)]
        r = np.asarray(np.einsum(subscripts, *ops))
        vals = " ".join(repr(float(v)) for v in r.ravel())
        lines.append(f"{subscripts} ; {' | '.join(fmt_shape(s) for s in shapes)} ; {fmt_shape(r.shape)} ; {vals}")
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
