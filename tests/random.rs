//! Random arrays: each element's value depends only on the seed, the array's place in the
//! generator's sequence and the element's position, so every chunking and every scheduler gives
//! the same bits; the distributions have the moments and shapes they should (thresholds set so
//! that a correct sampler fails far less than once in 10^6 runs); bad parameters are errors.

use chunkwise::random::{Generator, default_rng};
use chunkwise::{Array, ErrorKind, Scheduler};
use ndarray::ArrayD;

/// Chunkings of a 2-D shape: one block, element blocks, irregular, rows, columns.
fn chunkings(shape: [usize; 2]) -> Vec<Vec<Vec<usize>>> {
    let [r, c] = shape;
    let irregular = |n: usize| {
        let mut v = Vec::new();
        let mut left = n;
        let mut k = 1;
        while left > 0 {
            let take = k.min(left);
            v.push(take);
            left -= take;
            k = k % 5 + 2;
        }
        v
    };
    vec![
        vec![vec![r], vec![c]],
        vec![vec![1; r], vec![1; c]],
        vec![irregular(r), irregular(c)],
        vec![vec![1; r], vec![c]],
        vec![
            vec![r],
            vec![3; c / 3]
                .into_iter()
                .chain((c % 3 > 0).then_some(c % 3))
                .collect(),
        ],
    ]
}

/// Every method's array, drawn by `make` from a fresh generator, on every chunking and
/// scheduler: bit for bit the first one.
fn same_everywhere<T: chunkwise::Element + PartialEq + std::fmt::Debug>(
    what: &str,
    make: impl Fn(&Generator, &[usize], Vec<Vec<usize>>) -> chunkwise::Result<Array<T>>,
) {
    let shape = [17, 23];
    let schedulers = [
        Scheduler::synchronous(),
        Scheduler::threads(2),
        Scheduler::threads(3),
    ];
    let mut first: Option<ArrayD<T>> = None;
    for chunks in chunkings(shape) {
        for s in &schedulers {
            let x = make(&Generator::new(11), &shape, chunks.clone()).unwrap();
            let got = x.compute_with(s).unwrap();
            match &first {
                None => first = Some(got),
                Some(f) => assert_eq!(&got, f, "{what}: chunks {chunks:?} on {s:?}"),
            }
        }
    }
    // A 0-d array and an empty axis work, and the values are not all equal.
    let zero_d = make(&Generator::new(11), &[], vec![])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(zero_d.ndim(), 0, "{what}");
    let empty = make(&Generator::new(11), &[0, 5], vec![vec![0], vec![5]]).unwrap();
    assert_eq!(empty.compute().unwrap().len(), 0, "{what}");
    let f = first.unwrap();
    assert!(
        f.iter().any(|v| v != &f[[0, 0]]),
        "{what}: every value the same"
    );
}

#[test]
fn every_distribution_is_the_same_whatever_the_chunking_and_scheduler() {
    same_everywhere("random", |g, s, c| g.random::<f64>(s, c));
    same_everywhere("random f32", |g, s, c| g.random::<f32>(s, c));
    same_everywhere("uniform", |g, s, c| g.uniform(-2.0, 3.0, s, c));
    same_everywhere("integers", |g, s, c| g.integers(-5i32, 5, false, s, c));
    same_everywhere("integers u8 endpoint", |g, s, c| {
        g.integers(0u8, 255, true, s, c)
    });
    same_everywhere("standard_normal", |g, s, c| g.standard_normal(s, c));
    same_everywhere("normal", |g, s, c| g.normal(1.0, 2.0, s, c));
    same_everywhere("lognormal", |g, s, c| g.lognormal(0.0, 0.5, s, c));
    same_everywhere("exponential", |g, s, c| g.exponential(1.5, s, c));
    same_everywhere("gamma", |g, s, c| g.gamma(0.7, 2.0, s, c));
    same_everywhere("poisson", |g, s, c| g.poisson(40.0, s, c));
    same_everywhere("beta", |g, s, c| g.beta(0.5, 2.0, s, c));
    same_everywhere("binomial", |g, s, c| g.binomial(50, 0.3, s, c));
    same_everywhere("chisquare", |g, s, c| g.chisquare(3.0, s, c));
    same_everywhere("standard_t", |g, s, c| g.standard_t(5.0, s, c));
    same_everywhere("geometric", |g, s, c| g.geometric(0.2, s, c));
    same_everywhere("weibull", |g, s, c| g.weibull(1.5, s, c));
    same_everywhere("laplace", |g, s, c| g.laplace(0.0, 2.0, s, c));
    same_everywhere("logistic", |g, s, c| g.logistic(1.0, 0.5, s, c));
    // Array::random is the generator's first array.
    same_everywhere("Array::random", |_, s, c| Array::<f64>::random(s, c, 11));
}

#[test]
fn arrays_of_a_sequence_differ_and_repeat_with_the_seed() {
    let rng = default_rng(5);
    let a = rng
        .standard_normal(&[1000], [100])
        .unwrap()
        .compute()
        .unwrap();
    let b = rng
        .standard_normal(&[1000], [100])
        .unwrap()
        .compute()
        .unwrap();
    assert!(a.iter().zip(&b).filter(|(x, y)| x == y).count() < 2);
    let again = default_rng(5);
    assert_eq!(
        again
            .standard_normal(&[1000], [7])
            .unwrap()
            .compute()
            .unwrap(),
        a
    );
    assert_eq!(
        again
            .standard_normal(&[1000], [1000])
            .unwrap()
            .compute()
            .unwrap(),
        b
    );
    // Another seed, other values.
    let c = default_rng(6)
        .standard_normal(&[1000], [100])
        .unwrap()
        .compute()
        .unwrap();
    assert!(a.iter().zip(&c).filter(|(x, y)| x == y).count() < 2);
}

/// n draws, computed in 16 blocks on two threads.
fn draws<T: chunkwise::Element>(x: chunkwise::Result<Array<T>>) -> Vec<T> {
    x.unwrap()
        .compute_with(&Scheduler::threads(2))
        .unwrap()
        .into_raw_vec_and_offset()
        .0
}

const N: usize = 1_000_000;

/// Mean and variance of `v`.
fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var)
}

/// Asserts the sample mean and variance of `v` are those of a distribution with `mean` and
/// `var` (and fourth central moment `m4`), within 6 standard errors (a correct sampler fails
/// with probability about 2e-9 per check).
fn assert_moments(what: &str, v: &[f64], mean: f64, var: f64, m4: f64) {
    let n = v.len() as f64;
    let (m, s2) = moments(v);
    let se_mean = (var / n).sqrt();
    let se_var = ((m4 - var * var) / n).sqrt();
    assert!(
        (m - mean).abs() < 6.0 * se_mean,
        "{what}: mean {m}, expected {mean}"
    );
    assert!(
        (s2 - var).abs() < 6.0 * se_var,
        "{what}: variance {s2}, expected {var}"
    );
}

/// The Kolmogorov-Smirnov distance between `v` and the continuous `cdf`, below the critical
/// value at significance 1e-7 (sqrt(-ln(p / 2) / 2) / sqrt(n)).
fn assert_ks(what: &str, mut v: Vec<f64>, cdf: impl Fn(f64) -> f64) {
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let d = v
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    let critical = (-(1e-7f64 / 2.0).ln() / 2.0).sqrt() / n.sqrt();
    assert!(d < critical, "{what}: KS distance {d}, critical {critical}");
}

/// The standard normal CDF, through erfc (W. J. Cody's rational approximations are not in std;
/// this is the complementary error function by its continued fraction for large |x| and its
/// series otherwise, accurate to 1e-12, far below the test's resolution).
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.5 {
        // erf by its Taylor series: sum (-1)^n x^(2n+1) / (n! (2n+1)).
        let mut term = x;
        let mut sum = x;
        let x2 = x * x;
        for n in 1..200 {
            term *= -x2 / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-17 {
                break;
            }
        }
        return 1.0 - sum * 2.0 / std::f64::consts::PI.sqrt();
    }
    // Continued fraction (Lentz), for x >= 2.5.
    let mut f = x;
    let (mut c, mut d) = (x, 0.0);
    for k in 1..300 {
        let a = k as f64 / 2.0;
        d = 1.0 / (x + a * d);
        c = x + a / c;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / (f * std::f64::consts::PI.sqrt())
}

#[test]
fn continuous_distributions_have_their_moments_and_shape() {
    let rng = default_rng(2026);
    let v = draws(rng.standard_normal(&[N], [N / 16]));
    assert_moments("standard_normal", &v, 0.0, 1.0, 3.0);
    assert_ks("standard_normal", v, normal_cdf);
    let v = draws(rng.normal(5.0, 3.0, &[N], [N / 16]));
    assert_moments("normal", &v, 5.0, 9.0, 3.0 * 81.0);
    assert_ks("normal", v, |x| normal_cdf((x - 5.0) / 3.0));
    let v = draws(rng.uniform(-1.0, 3.0, &[N], [N / 16]));
    assert_moments("uniform", &v, 1.0, 16.0 / 12.0, 256.0 / 80.0);
    assert_ks("uniform", v, |x| ((x + 1.0) / 4.0).clamp(0.0, 1.0));
    let v = draws(rng.random::<f64>(&[N], [N / 16]));
    assert_ks("random", v, |x| x.clamp(0.0, 1.0));
    let v = draws(rng.exponential(2.0, &[N], [N / 16]));
    assert_moments("exponential", &v, 2.0, 4.0, 9.0 * 16.0);
    assert_ks("exponential", v, |x| 1.0 - (-x / 2.0f64).exp());
    let v = draws(rng.lognormal(0.0, 0.25, &[N], [N / 16]));
    let logs: Vec<f64> = v.iter().map(|x| x.ln()).collect();
    assert_ks("lognormal", logs, |x| normal_cdf(x / 0.25));
    // Gamma(k, theta): mean k theta, variance k theta^2, fourth central moment
    // 3 k (k + 2) theta^4.
    for (k, theta) in [(0.5, 2.0), (3.0, 0.5)] {
        let v = draws(rng.gamma(k, theta, &[N], [N / 16]));
        let m4 = 3.0 * k * (k + 2.0) * theta.powi(4);
        assert_moments("gamma", &v, k * theta, k * theta * theta, m4);
    }
}

#[test]
fn more_continuous_distributions_have_their_moments_and_shape() {
    let rng = default_rng(99);
    let pi = std::f64::consts::PI;
    // chi-square(k): mean k, variance 2k, fourth central moment 12 k (k + 4).
    let v = draws(rng.chisquare(3.0, &[N], [N / 16]));
    assert_moments("chisquare", &v, 3.0, 6.0, 12.0 * 3.0 * 7.0);
    // Student's t(10): mean 0, variance 10 / 8, fourth central moment 3 df^2 / ((df - 2)(df - 4)).
    let v = draws(rng.standard_t(10.0, &[N], [N / 16]));
    assert_moments("standard_t", &v, 0.0, 1.25, 3.0 * 100.0 / 48.0);
    // Laplace(loc, b): variance 2 b^2, fourth central moment 24 b^4; its CDF.
    let v = draws(rng.laplace(1.0, 2.0, &[N], [N / 16]));
    assert_moments("laplace", &v, 1.0, 8.0, 24.0 * 16.0);
    assert_ks("laplace", v, |x| {
        let z = (x - 1.0) / 2.0;
        if z < 0.0 {
            0.5 * z.exp()
        } else {
            1.0 - 0.5 * (-z).exp()
        }
    });
    // Logistic(mu, s): variance s^2 pi^2 / 3, fourth central moment 7 pi^4 s^4 / 15.
    let v = draws(rng.logistic(-1.0, 0.5, &[N], [N / 16]));
    let s4 = 0.5f64.powi(4);
    assert_moments(
        "logistic",
        &v,
        -1.0,
        0.25 * pi * pi / 3.0,
        7.0 * pi.powi(4) * s4 / 15.0,
    );
    assert_ks("logistic", v, |x| 1.0 / (1.0 + (-(x + 1.0) / 0.5).exp()));
    // Weibull(a), scale 1: CDF 1 - exp(-x^a).
    let v = draws(rng.weibull(1.5, &[N], [N / 16]));
    assert_ks("weibull", v, |x| 1.0 - (-x.max(0.0).powf(1.5)).exp());
    // Beta(a, b): mean a / (a + b), variance a b / ((a + b)^2 (a + b + 1)); all in [0, 1].
    let (a, b) = (2.0, 5.0);
    let v = draws(rng.beta(a, b, &[N], [N / 16]));
    assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
    let var = a * b / ((a + b) * (a + b) * (a + b + 1.0));
    let (m, s2) = moments(&v);
    assert!(
        (m - a / (a + b)).abs() < 6.0 * (var / N as f64).sqrt(),
        "beta mean {m}"
    );
    assert!(
        (s2 - var).abs() < 0.01 * var,
        "beta variance {s2}, expected {var}"
    );
}

#[test]
fn discrete_distributions_cover_their_range_with_the_right_frequencies() {
    let rng = default_rng(7);
    // integers: each of 10 values about N / 10 times (chi-square, 9 degrees of freedom; the
    // 1 - 1e-7 quantile is about 51).
    for endpoint in [false, true] {
        let high = if endpoint { 9 } else { 10 };
        let v = draws(rng.integers(0i64, high, endpoint, &[N], [N / 16]));
        let mut counts = [0usize; 10];
        for &x in &v {
            counts[x as usize] += 1;
        }
        let e = N as f64 / 10.0;
        let chi2: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
        assert!(
            chi2 < 51.0,
            "integers (endpoint {endpoint}): chi-square {chi2}, {counts:?}"
        );
    }
    // The whole range of a small type, both ends included.
    let v = draws(rng.integers(i8::MIN, i8::MAX, true, &[100_000], [10_000]));
    assert!(v.contains(&i8::MIN) && v.contains(&i8::MAX));
    // poisson: mean and variance lam; fourth central moment lam (1 + 3 lam).
    for lam in [0.5, 12.0, 300.0] {
        let v: Vec<f64> = draws(rng.poisson(lam, &[N], [N / 16]))
            .into_iter()
            .map(|k| k as f64)
            .collect();
        assert_moments("poisson", &v, lam, lam, lam * (1.0 + 3.0 * lam));
    }
    assert!(
        draws(rng.poisson(0.0, &[100], [10]))
            .iter()
            .all(|&k| k == 0)
    );
}

#[test]
fn bad_parameters_are_errors_naming_them() {
    let rng = default_rng(1);
    let cases: Vec<(&str, chunkwise::Error)> = vec![
        ("scale", rng.normal(0.0, -1.0, &[4], [2]).unwrap_err()),
        ("loc", rng.normal(f64::NAN, 1.0, &[4], [2]).unwrap_err()),
        ("high", rng.uniform(2.0, 1.0, &[4], [2]).unwrap_err()),
        ("high", rng.integers(5u32, 5, false, &[4], [2]).unwrap_err()),
        ("high", rng.integers(5u32, 4, true, &[4], [2]).unwrap_err()),
        ("scale", rng.exponential(-2.0, &[4], [2]).unwrap_err()),
        ("shape", rng.gamma(0.0, 1.0, &[4], [2]).unwrap_err()),
        ("lam", rng.poisson(-1.0, &[4], [2]).unwrap_err()),
        ("lam", rng.poisson(f64::INFINITY, &[4], [2]).unwrap_err()),
        ("sigma", rng.lognormal(0.0, -0.1, &[4], [2]).unwrap_err()),
        ("b", rng.beta(1.0, 0.0, &[4], [2]).unwrap_err()),
        ("p", rng.binomial(5, 1.5, &[4], [2]).unwrap_err()),
        ("df", rng.chisquare(-1.0, &[4], [2]).unwrap_err()),
        ("df", rng.standard_t(0.0, &[4], [2]).unwrap_err()),
        ("p", rng.geometric(0.0, &[4], [2]).unwrap_err()),
        ("a", rng.weibull(f64::NAN, &[4], [2]).unwrap_err()),
        ("scale", rng.laplace(0.0, -1.0, &[4], [2]).unwrap_err()),
        (
            "loc",
            rng.logistic(f64::INFINITY, 1.0, &[4], [2]).unwrap_err(),
        ),
    ];
    for (name, e) in cases {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(
            matches!(&e, chunkwise::Error::InvalidParameter { name: n, .. } if *n == name),
            "{e:?} should name {name}"
        );
    }
    // Integers allow an empty range with endpoint (one value).
    let one = draws(rng.integers(3u16, 3, true, &[10], [5]));
    assert!(one.iter().all(|&v| v == 3));
}

#[test]
fn permutations_shuffles_and_choices() {
    // A permutation of 0..n for every n, the same on every chunking.
    for n in [0usize, 1, 2, 3, 5, 64, 1000, 4097] {
        let mut first = None;
        for chunks in [n.max(1), 1, 7] {
            let p = default_rng(n as u64)
                .permutation(n, [chunks])
                .unwrap()
                .compute()
                .unwrap();
            let mut sorted = p.iter().copied().collect::<Vec<_>>();
            sorted.sort();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "n = {n}");
            match &first {
                None => first = Some(p),
                Some(f) => assert_eq!(&p, f, "n = {n}, chunks {chunks}"),
            }
        }
    }
    // Every ordering of 4 items about equally often over many keys (chi-square, 23 degrees of
    // freedom; the 1 - 1e-7 quantile is about 75).
    let rng = default_rng(1234);
    let mut counts = std::collections::HashMap::new();
    let trials = 24_000;
    for _ in 0..trials {
        let p = rng
            .permutation(4, [4])
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>();
        *counts.entry(p).or_insert(0usize) += 1;
    }
    assert_eq!(counts.len(), 24, "every ordering appears");
    let e = trials as f64 / 24.0;
    let chi2: f64 = counts.values().map(|&c| (c as f64 - e).powi(2) / e).sum();
    assert!(chi2 < 75.0, "orderings of 4: chi-square {chi2}");
    // shuffle: the rows of a matrix in a permuted order, each row whole.
    let a = ndarray::Array2::from_shape_fn((50, 3), |(i, j)| i * 10 + j);
    let x = Array::from_ndarray(a.clone(), [7, 2]).unwrap();
    let y = default_rng(9).shuffle(&x, 0).unwrap().compute().unwrap();
    let mut rows: Vec<Vec<usize>> = y
        .outer_iter()
        .map(|r| r.iter().copied().collect::<Vec<_>>())
        .collect();
    assert_ne!(
        rows,
        a.outer_iter()
            .map(|r| r.iter().copied().collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
    rows.sort();
    assert_eq!(
        rows,
        a.outer_iter()
            .map(|r| r.iter().copied().collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
    assert!(default_rng(9).shuffle(&x, 2).is_err());
    // choice without replacement never repeats; with p, the frequencies follow p.
    let c = draws(rng.choice(1000, 300, false, None, [64]));
    let mut seen = c.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 300);
    let p = [0.1, 0.2, 0.3, 0.4];
    let c = draws(rng.choice(4, N, true, Some(&p), [N / 16]));
    let mut counts = [0usize; 4];
    c.iter().for_each(|&i| counts[i] += 1);
    let chi2: f64 = counts
        .iter()
        .zip(p)
        .map(|(&k, p)| (k as f64 - p * N as f64).powi(2) / (p * N as f64))
        .sum();
    assert!(
        chi2 < 36.0,
        "weighted choice: chi-square {chi2}, {counts:?}"
    );
    // Bad choices.
    for e in [
        rng.choice(3, 4, false, None, [2]).unwrap_err(),
        rng.choice(3, 2, true, Some(&[0.5, 0.5]), [2]).unwrap_err(),
        rng.choice(2, 2, true, Some(&[0.5, 0.6]), [2]).unwrap_err(),
        rng.choice(2, 2, true, Some(&[-0.5, 1.5]), [2]).unwrap_err(),
        rng.choice(0, 1, true, None, [1]).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
}

#[test]
fn multivariate_normal_has_its_covariance_and_ignores_the_chunking() {
    let cov = ndarray::arr2(&[[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]]);
    let mean = [1.0, -2.0, 0.5];
    let n = 200_000;
    let x = default_rng(5)
        .multivariate_normal(&mean, &cov, &[n], [n / 8])
        .unwrap()
        .compute_with(&Scheduler::threads(2))
        .unwrap();
    assert_eq!(x.shape(), &[n, 3]);
    for other in [[n], [1000], [7]] {
        let y = default_rng(5)
            .multivariate_normal(&mean, &cov, &[n], other)
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(y, x, "chunks {other:?}");
    }
    // Sample mean and covariance: each entry's standard error is at most
    // sqrt((s_ii s_jj + s_ij^2) / n) <= 0.0064 here; allow about 6 of them.
    let col = |k: usize| x.index_axis(ndarray::Axis(1), k).to_owned();
    let means: Vec<f64> = (0..3).map(|k| col(k).mean().unwrap()).collect();
    for k in 0..3 {
        assert!((means[k] - mean[k]).abs() < 0.02, "mean {k}: {}", means[k]);
        for j in 0..3 {
            let c = (col(k) - means[k]) * (col(j) - means[j]);
            let c = c.mean().unwrap();
            assert!(
                (c - cov[[k, j]]).abs() < 0.04,
                "cov[{k}][{j}] = {c}, expected {}",
                cov[[k, j]]
            );
        }
    }
    // A singular covariance (the second coordinate is twice the first) works; an indefinite
    // or asymmetric one is an error.
    let singular = default_rng(6)
        .multivariate_normal(
            &[0.0, 0.0],
            &ndarray::arr2(&[[1.0, 2.0], [2.0, 4.0]]),
            &[100],
            [10],
        )
        .unwrap()
        .compute()
        .unwrap();
    for row in singular.outer_iter() {
        assert!((row[1] - 2.0 * row[0]).abs() < 1e-9, "{row}");
    }
    let rng = default_rng(7);
    for bad in [
        [[1.0, 2.0], [2.0, 1.0]],
        [[1.0, 0.5], [0.0, 1.0]],
        [[f64::NAN, 0.0], [0.0, 1.0]],
    ] {
        let e = rng
            .multivariate_normal(&[0.0, 0.0], &ndarray::arr2(&bad), &[4], [2])
            .unwrap_err();
        assert!(
            matches!(&e, chunkwise::Error::InvalidParameter { name: "cov", .. }),
            "{e:?}"
        );
    }
    // A dimension known only at run time, and a covariance of another size than the mean.
    let d = std::hint::black_box(6);
    let eye = ndarray::Array2::<f64>::eye(d);
    let mean = vec![3.0; d];
    let x = rng
        .multivariate_normal(&mean, &eye, &[20_000], [5_000])
        .unwrap();
    let m = x.mean_axis(0).unwrap().compute().unwrap();
    assert_eq!(m.len(), d);
    assert!(m.iter().all(|v| (v - 3.0).abs() < 0.05), "{m}");
    let e = rng
        .multivariate_normal(&mean[..2], &eye, &[4], [2])
        .unwrap_err();
    assert!(
        matches!(&e, chunkwise::Error::InvalidParameter { name: "cov", .. }),
        "{e:?}"
    );
}

/// `x`'s values, on a fresh generator seeded 5.
fn values<T: chunkwise::Element>(
    make: impl Fn(&Generator) -> chunkwise::Result<Array<T>>,
) -> ArrayD<T> {
    make(&Generator::new(5)).unwrap().compute().unwrap()
}

#[test]
fn array_parameters_broadcast_against_the_shape() {
    let shape = [17, 23];
    // An array holding one number everywhere gives the very values of that number, whatever
    // the chunking of the result and of the parameter.
    let row = |v: f64| Array::full(&[23], [5], v).unwrap();
    let col = |v: f64| Array::full(&[17, 1], [4, 1], v).unwrap();
    for c in chunkings(shape) {
        let c = || c.clone();
        macro_rules! same {
            ($name:literal, |$g:ident| $arrays:expr, |$h:ident| $numbers:expr) => {
                assert_eq!(
                    values(|$g| $arrays),
                    values(|$h| $numbers),
                    "{} with array parameters, chunks {:?}",
                    $name,
                    c()
                );
            };
        }
        same!(
            "normal",
            |g| g.normal(row(2.0), col(3.0), &shape, c()),
            |g| g.normal(2.0, 3.0, &shape, c())
        );
        same!("uniform", |g| g.uniform(col(-1.0), 4.0, &shape, c()), |g| g
            .uniform(-1.0, 4.0, &shape, c()));
        same!(
            "lognormal",
            |g| g.lognormal(0.5, row(0.2), &shape, c()),
            |g| g.lognormal(0.5, 0.2, &shape, c())
        );
        same!(
            "exponential",
            |g| g.exponential(row(2.0), &shape, c()),
            |g| g.exponential(2.0, &shape, c())
        );
        same!("gamma", |g| g.gamma(col(0.7), row(2.0), &shape, c()), |g| g
            .gamma(0.7, 2.0, &shape, c()));
        same!("poisson", |g| g.poisson(row(30.0), &shape, c()), |g| g
            .poisson(30.0, &shape, c()));
        same!("beta", |g| g.beta(row(0.5), col(2.0), &shape, c()), |g| g
            .beta(0.5, 2.0, &shape, c()));
        same!("binomial", |g| g.binomial(40, col(0.3), &shape, c()), |g| g
            .binomial(40, 0.3, &shape, c()));
        same!("chisquare", |g| g.chisquare(row(3.0), &shape, c()), |g| g
            .chisquare(3.0, &shape, c()));
        same!("standard_t", |g| g.standard_t(row(5.0), &shape, c()), |g| g
            .standard_t(5.0, &shape, c()));
        same!("geometric", |g| g.geometric(col(0.2), &shape, c()), |g| g
            .geometric(0.2, &shape, c()));
        same!("weibull", |g| g.weibull(row(1.5), &shape, c()), |g| g
            .weibull(1.5, &shape, c()));
        same!(
            "laplace",
            |g| g.laplace(row(0.0), col(2.0), &shape, c()),
            |g| g.laplace(0.0, 2.0, &shape, c())
        );
        same!(
            "logistic",
            |g| g.logistic(1.0, col(0.5), &shape, c()),
            |g| g.logistic(1.0, 0.5, &shape, c())
        );
    }
    // Each element draws with the parameters at its place: column j has mean 10 j (within 5.3
    // standard errors), and Poisson counts per row follow their row's mean.
    let n = N / 4;
    let means = Array::from_ndarray(
        ndarray::Array::from_iter((0..4).map(|j| 10.0 * j as f64)).into_dyn(),
        [3],
    )
    .unwrap();
    let x = default_rng(1)
        .normal(&means, 0.5, &[n, 4], [n / 3, 2])
        .unwrap();
    let m = x.mean_axis(0).unwrap().compute().unwrap();
    for j in 0..4 {
        let err = (m[[j]] - 10.0 * j as f64).abs();
        assert!(
            err < 5.3 * 0.5 / (n as f64).sqrt(),
            "column {j}: mean {}",
            m[[j]]
        );
    }
    let lam = Array::from_ndarray(ndarray::array![[1.0], [50.0]].into_dyn(), [1, 1]).unwrap();
    let x = default_rng(2).poisson(&lam, &[2, n], [1, n / 7]).unwrap();
    let m = x.map(|v| v as f64).mean_axis(1).unwrap().compute().unwrap();
    for (r, l) in [1.0, 50.0].into_iter().enumerate() {
        let err = (m[[r]] - l).abs();
        assert!(
            err < 5.3 * (l / n as f64).sqrt(),
            "row {r}: mean {}",
            m[[r]]
        );
    }
    // A parameter array that does not broadcast is refused at once; a bad value in one fails
    // the computation, naming the parameter.
    let rng = default_rng(3);
    let e = rng.normal(row(0.0), 1.0, &[4, 5], [2, 2]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("loc"), "{e}");
    let scale = Array::from_ndarray(ndarray::array![1.0, -1.0].into_dyn(), [1]).unwrap();
    let e = rng
        .normal(0.0, &scale, &[3, 2], [3, 1])
        .unwrap()
        .compute()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(
        e.to_string().contains("scale") && e.to_string().contains("-1"),
        "{e}"
    );
    let low = Array::from_ndarray(ndarray::array![0.0, 5.0].into_dyn(), [2]).unwrap();
    let e = rng
        .uniform(&low, 1.0, &[2], [1])
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("high"), "{e}");
}

#[test]
fn weighted_choice_without_replacement_draws_in_numpys_order() {
    // Each next index drawn with the probabilities of those not drawn yet: the ordered pairs
    // of p = [0.5, 0.3, 0.2] have probabilities p_i p_j / (1 - p_i). Chi-square over 40,000
    // keys (5 degrees of freedom; 36 is passed once in 10^6).
    let p = [0.5, 0.3, 0.2];
    let runs = 40_000;
    let mut counts = std::collections::HashMap::new();
    for seed in 0..runs {
        let c = draws(default_rng(seed).choice(3, 2, false, Some(&p), [2]));
        assert_ne!(c[0], c[1]);
        *counts.entry((c[0], c[1])).or_insert(0usize) += 1;
    }
    let mut chi2 = 0.0;
    for i in 0..3 {
        for j in (0..3).filter(|&j| j != i) {
            let e = runs as f64 * p[i] * p[j] / (1.0 - p[i]);
            let k = counts.get(&(i, j)).copied().unwrap_or(0) as f64;
            chi2 += (k - e).powi(2) / e;
        }
    }
    assert!(chi2 < 36.0, "ordered pairs: chi-square {chi2}, {counts:?}");
    // All of the nonzero entries, each once; more than them is refused.
    let c = draws(default_rng(1).choice(5, 3, false, Some(&[0.2, 0.0, 0.3, 0.5, 0.0]), [2]));
    let mut s = c.clone();
    s.sort();
    assert_eq!(s, vec![0, 2, 3]);
    let e = default_rng(1)
        .choice(5, 4, false, Some(&[0.2, 0.0, 0.3, 0.5, 0.0]), [2])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

#[test]
fn choice_from_an_array_takes_its_values_at_choices_indices() {
    let a = ndarray::Array::from_iter((0..50).map(|v| v * 3 + 1)).into_dyn();
    for (replace, p) in [(true, None), (false, None), (true, Some(vec![0.02; 50]))] {
        let idx = values(|g| g.choice(50, 40, replace, p.as_deref(), [40]));
        let want = idx.mapv(|k| a[[k]]);
        for (a_chunks, out_chunks) in [(50, 40), (7, 3), (1, 1)] {
            let arr = Array::from_ndarray(a.clone(), [a_chunks]).unwrap();
            let got = values(|g| g.choice_from(&arr, 40, replace, p.as_deref(), [out_chunks]));
            assert_eq!(
                got, want,
                "replace {replace}, chunks {a_chunks} / {out_chunks}"
            );
        }
    }
    let flat = Array::from_ndarray(ndarray::Array2::<i32>::zeros((2, 2)).into_dyn(), [1, 1]);
    let e = default_rng(1)
        .choice_from(&flat.unwrap(), 1, true, None, [1])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

/// Every distribution against numpy's `Generator` (`scripts/random_fixtures.py`, committed
/// in `tests/data/random/numpy.txt`): numpy's empirical distribution function of 10^6 draws
/// at its points against ours of 3·10^5 draws, within the two-sample Kolmogorov-Smirnov bound
/// that two samples of one distribution pass but once in 10^6 (the bound holds for discrete
/// distributions too, more loosely).
#[test]
fn distributions_match_numpys() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/random/numpy.txt"),
    )
    .unwrap();
    let (n_np, n) = (1_000_000f64, 300_000usize);
    let bound = (-(0.5e-6f64).ln() / 2.0).sqrt() * ((n_np + n as f64) / (n_np * n as f64)).sqrt();
    let mut cases = 0;
    for (k, line) in text.lines().filter(|l| !l.starts_with('#')).enumerate() {
        let parts: Vec<Vec<&str>> = line
            .split(';')
            .map(|p| p.split_whitespace().collect())
            .collect();
        let (method, params) = parts[0].split_first().unwrap();
        let p: Vec<f64> = params.iter().map(|v| v.parse().unwrap()).collect();
        let points: Vec<f64> = parts[1].iter().map(|v| v.parse().unwrap()).collect();
        let cdf: Vec<f64> = parts[2].iter().map(|v| v.parse().unwrap()).collect();
        let rng = default_rng(1000 + k as u64);
        let (shape, chunks) = (&[n][..], [n / 7]);
        let as_f64 = |x: chunkwise::Result<Array<u64>>| x.map(|a| a.map(|v| v as f64));
        let x = match *method {
            "standard_normal" => rng.standard_normal(shape, chunks),
            "normal" => rng.normal(p[0], p[1], shape, chunks),
            "uniform" => rng.uniform(p[0], p[1], shape, chunks),
            "lognormal" => rng.lognormal(p[0], p[1], shape, chunks),
            "exponential" => rng.exponential(p[0], shape, chunks),
            "gamma" => rng.gamma(p[0], p[1], shape, chunks),
            "beta" => rng.beta(p[0], p[1], shape, chunks),
            "chisquare" => rng.chisquare(p[0], shape, chunks),
            "standard_t" => rng.standard_t(p[0], shape, chunks),
            "weibull" => rng.weibull(p[0], shape, chunks),
            "laplace" => rng.laplace(p[0], p[1], shape, chunks),
            "logistic" => rng.logistic(p[0], p[1], shape, chunks),
            "poisson" => as_f64(rng.poisson(p[0], shape, chunks)),
            "binomial" => as_f64(rng.binomial(p[0] as u64, p[1], shape, chunks)),
            "geometric" => as_f64(rng.geometric(p[0], shape, chunks)),
            "integers" => rng
                .integers(p[0] as i64, p[1] as i64, false, shape, chunks)
                .map(|a| a.map(|v| v as f64)),
            other => panic!("no case for {other}"),
        };
        let mut v = draws(x);
        v.sort_by(f64::total_cmp);
        let d = points
            .iter()
            .zip(&cdf)
            .map(|(&x, &f)| (v.partition_point(|&y| y <= x) as f64 / n as f64 - f).abs())
            .fold(0.0, f64::max);
        assert!(d < bound, "{line:.40}: distance {d} over {bound}");
        cases += 1;
    }
    assert_eq!(cases, 20, "every case of the fixture read");
}
