"""Reference distributions from numpy's Generator for chunkwise's random tests.

Optional comparison script: the committed fixture tests/data/random/numpy.txt was made with it
(numpy version in its first line); the Rust test (tests/random.rs) reads it and needs no Python.

    python3 scripts/random_fixtures.py

For each case, 10**6 draws of numpy's `default_rng(seed).<method>(*params)` and their empirical
distribution function at a set of points: for continuous distributions the sample's quantiles
at k/200 (k = 1..199), for discrete ones every integer between the 0.1% and 99.9% quantiles.
One case per line:
    <method> <params...> ; <points...> ; <numpy's fraction of draws <= each point>
chunkwise's draws are compared to these by a two-sample Kolmogorov-Smirnov bound: the
distribution, not the values (the generators differ).
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "random" / "numpy.txt"
N = 10**6

CONTINUOUS = [
    ("standard_normal", ()),
    ("normal", (5.0, 3.0)),
    ("uniform", (-1.0, 3.0)),
    ("lognormal", (0.0, 0.5)),
    ("exponential", (2.0,)),
    ("gamma", (0.5, 2.0)),
    ("gamma", (3.0, 0.5)),
    ("beta", (2.0, 6.0)),
    ("beta", (0.5, 0.5)),
    ("chisquare", (3.0,)),
    ("standard_t", (5.0,)),
    ("weibull", (1.5,)),
    ("laplace", (1.0, 2.0)),
    ("logistic", (-1.0, 0.5)),
]

DISCRETE = [
    ("poisson", (3.5,)),
    ("poisson", (100.0,)),
    ("binomial", (10, 0.3)),
    ("binomial", (1000, 0.02)),
    ("geometric", (0.25,)),
    ("integers", (0, 10)),
]


def line(method, params, points, cdf):
    p = " ".join(repr(float(v)) for v in params)
    xs = " ".join(repr(float(v)) for v in points)
    fs = " ".join(repr(float(v)) for v in cdf)
    return f"{method} {p} ; {xs} ; {fs}".replace("  ;", " ;")


def main():
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# numpy {np.__version__}, {N} draws per case (scripts/random_fixtures.py)"]
    for seed, (method, params) in enumerate(CONTINUOUS):
        x = np.sort(getattr(np.random.default_rng(seed), method)(*params, size=N))
        points = np.quantile(x, np.arange(1, 200) / 200)
        cdf = np.searchsorted(x, points, side="right") / N
        lines.append(line(method, params, points, cdf))
    for seed, (method, params) in enumerate(DISCRETE, start=100):
        x = np.sort(getattr(np.random.default_rng(seed), method)(*params, size=N))
        lo, hi = np.quantile(x, [0.001, 0.999])
        points = np.arange(int(lo), int(hi) + 1)
        cdf = np.searchsorted(x, points, side="right") / N
        lines.append(line(method, params, points, cdf))
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
