"""scipy.ndimage's distance transforms on a table of masks, for chunkwise's tests
(tests/ndmorph.rs).

Optional comparison script: the committed fixture tests/data/ndmorph/distance.txt was made with
it (scipy version in its first line); the Rust test builds the same masks by the same formula
and needs no Python.

    python3 scripts/distance_fixtures.py

One case per line:
    <function> ; <shape, 'x'-joined> ; <background period> ; <parameters> ; <what> ; <values>
The mask is true (foreground) at row-major position p unless (37 p + 11) % period == 0, so a
period of 1 gives no foreground and a period larger than 37 p + 11 everywhere gives no
background (the test checks the latter against chunkwise's documented answer, not scipy's).
<what> is `distances` or `indices` (scipy's (ndim,) + shape array, flattened).
"""
import pathlib

import numpy as np
import scipy
import scipy.ndimage as nd

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndmorph" / "distance.txt"


def mask(shape, period):
    p = np.arange(int(np.prod(shape)), dtype=np.int64)
    return ((37 * p + 11) % period != 0).reshape(shape)


def dims(s):
    return "x".join(str(n) for n in s)


def nums(v):
    return ",".join(repr(float(x)) for x in np.ravel(v))


def ints(v):
    return ",".join(str(int(x)) for x in np.ravel(v))


SHAPES = [((1,), 1), ((9,), 5), ((23,), 23), ((7, 9), 5), ((13, 17), 11), ((13, 17), 97),
          ((16, 16), 256), ((5, 6, 7), 13), ((6, 5, 4), 61), ((3, 4, 3, 5), 17), ((40, 3), 29)]
SAMPLING = {1: [0.5], 2: [1.5, 0.7], 3: [2.0, 1.0, 0.5], 4: [1.0, 0.3, 2.0, 1.1]}

lines = [f"# scipy {scipy.__version__}"]
for shape, period in SHAPES:
    m = mask(shape, period)
    sh = dims(shape)
    for sampling in (None, SAMPLING[len(shape)]):
        params = "sampling=" + ("none" if sampling is None else ",".join(map(repr, sampling)))
        d, i = nd.distance_transform_edt(m, sampling=sampling, return_indices=True)
        lines.append(f"edt ; {sh} ; {period} ; {params} ; distances ; {nums(d)}")
        lines.append(f"edt ; {sh} ; {period} ; {params} ; indices ; {ints(i)}")
        lines.append(f"bf ; {sh} ; {period} ; metric=euclidean {params} ; distances ; "
                     f"{nums(nd.distance_transform_bf(m, 'euclidean', sampling=sampling))}")
    for metric in ("chessboard", "taxicab"):
        d = nd.distance_transform_cdt(m, metric=metric)
        lines.append(f"cdt ; {sh} ; {period} ; metric={metric} ; distances ; {ints(d)}")
        d = nd.distance_transform_bf(m, metric=metric)
        lines.append(f"bf ; {sh} ; {period} ; metric={metric} sampling=none ; distances ; {nums(d)}")
OUT.write_text("\n".join(lines) + "\n")
print(f"{len(lines) - 1} cases -> {OUT}")
