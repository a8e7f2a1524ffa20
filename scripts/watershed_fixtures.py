"""scikit-image's `watershed` and scipy's `watershed_ift` on a table of inputs with plateaus and
ties, for chunkwise's tests (tests/ndmeasure.rs).

Optional comparison script: the committed fixture tests/data/ndmeasure/watershed.txt was made
with it (versions in its first line); the Rust test builds the same inputs by the same
formulas and needs no Python.

    python3 scripts/watershed_fixtures.py

One case per line:
    <function> ; <shape, 'x'-joined> ; <parameters> ; <labels>
Heights at row-major position p: ((7 p + 3) % 13) // levels (few distinct values: plateaus
and ties everywhere), as float64 for `watershed` and uint8 for `watershed_ift`. Markers: label
1 + (p % 5) where (37 p + 11) % period == 0, else 0; for `watershed_ift`, negated where p % 3
== 0 (background markers). Mask (parameter `mask`): true unless (11 p + 5) % 7 == 0. With `distinct=1`, each marker's
height is raised by p / 10^6, so that no two markers have the same height (chunkwise's faster
queue for that case) while the rest keeps its plateaus. With `line=1`, `watershed_line=True`.
"""
import pathlib

import numpy as np
import scipy
import scipy.ndimage as nd
import skimage
from skimage.segmentation import watershed

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ndmeasure" / "watershed.txt"


def flat(shape):
    return np.arange(int(np.prod(shape)), dtype=np.int64)


def heights(shape, levels):
    return (((7 * flat(shape) + 3) % 13) // levels).reshape(shape)


def markers(shape, period, signed):
    p = flat(shape)
    m = np.where((37 * p + 11) % period == 0, 1 + p % 5, 0)
    if signed:
        m = np.where(p % 3 == 0, -m, m)
    return m.reshape(shape)


def mask(shape):
    return ((11 * flat(shape) + 5) % 7 != 0).reshape(shape)


def dims(s):
    return "x".join(str(n) for n in s)


def ints(v):
    return ",".join(str(int(x)) for x in np.ravel(v))


lines = [f"# scikit-image {skimage.__version__}, scipy {scipy.__version__}"]
for shape in [(9,), (13, 17), (24, 7), (6, 7, 5)]:
    for levels in (1, 3):
        for period in (11, 41):
            mk = markers(shape, period, False)
            for distinct in (0, 1):
                img = heights(shape, levels).astype(np.float64)
                if distinct:
                    img = img + np.where(mk != 0, flat(shape).reshape(shape) / 1e6, 0.0)
                for conn in range(1, len(shape) + 1):
                    for use_mask in (0, 1):
                        for line in (0, 1):
                            out = watershed(img, mk, connectivity=conn,
                                            mask=mask(shape) if use_mask else None,
                                            watershed_line=bool(line))
                            lines.append(f"watershed ; {dims(shape)} ; levels={levels} "
                                         f"period={period} distinct={distinct} "
                                         f"connectivity={conn} mask={use_mask} line={line} ; "
                                         f"{ints(out)}")
            u8 = heights(shape, levels).astype(np.uint8) * 20
            smk = markers(shape, period, True).astype(np.int32)
            for conn in (1, len(shape)):
                st = nd.generate_binary_structure(len(shape), conn)
                out = nd.watershed_ift(u8, smk, structure=st)
                lines.append(f"watershed_ift ; {dims(shape)} ; levels={levels} period={period} "
                             f"connectivity={conn} ; {ints(out)}")
OUT.write_text("\n".join(lines) + "\n")
print(f"{len(lines) - 1} cases -> {OUT}")
