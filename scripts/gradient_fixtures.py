"""Reference outputs of numpy's gradient at uneven sample coordinates, for chunkwise's
`gradient_axis_coords` tests.

Optional comparison script: the committed fixture tests/data/manipulation/gradient.txt was
made with it (numpy 2.4.6); the Rust tests read it and need no Python.

    python3 scripts/gradient_fixtures.py

One case per line, fields separated by ';':
    <shape>;<axis>;<edge_order>;<coordinates>;<input values>;<output values>
(values space-separated, row-major, written with repr so they read back exactly).
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "manipulation" / "gradient.txt"


def main():
    rng = np.random.default_rng(20261207)
    lines = []
    for shape in [(7,), (5, 6), (3, 4, 5), (3,), (2, 9)]:
        f = rng.standard_normal(shape)
        for axis in range(len(shape)):
            n = shape[axis]
            for edge_order in (1, 2):
                if n < edge_order + 1:
                    continue
                for coords in (np.cumsum(rng.uniform(0.1, 2.0, n)), np.arange(n) * 0.5):
                    g = np.gradient(f, coords, axis=axis, edge_order=edge_order)
                    lines.append(";".join([
                        " ".join(map(str, shape)), str(axis), str(edge_order),
                        " ".join(map(repr, coords.tolist())),
                        " ".join(map(repr, f.ravel().tolist())),
                        " ".join(map(repr, g.ravel().tolist())),
                    ]))
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} cases in {OUT}")


if __name__ == "__main__":
    main()
