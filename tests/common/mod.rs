//! Shared test helpers.
#![allow(dead_code)]

use std::sync::{Mutex, OnceLock};

use chunkwise::{Array, Element, Scheduler};
use ndarray::ArrayD;

/// The schedulers every differential test runs under, made once.
pub(crate) fn schedulers() -> &'static [Scheduler] {
    static S: OnceLock<Vec<Scheduler>> = OnceLock::new();
    S.get_or_init(|| {
        vec![
            Scheduler::synchronous(),
            Scheduler::threads(1),
            Scheduler::threads(2),
            Scheduler::threads(8),
        ]
    })
}

/// Checks `x` against the eager result `expected`: every block has the shape its chunks
/// declare, and the computed array equals `expected` under every scheduler.
pub(crate) fn assert_array_eq<T>(x: &Array<T>, expected: &ArrayD<T>)
where
    T: Element + PartialEq + std::fmt::Debug,
{
    assert_eq!(x.shape(), expected.shape(), "shape");
    assert_eq!(
        x.chunks()
            .iter()
            .map(|c| c.iter().sum::<usize>())
            .collect::<Vec<_>>(),
        x.shape(),
        "chunks add up to the shape"
    );
    // Every block has the shape the chunks declare.
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let probe = x.map_blocks_indexed(move |idx, b| {
        record
            .lock()
            .unwrap()
            .push((idx.to_vec(), b.shape().to_vec()));
        b.to_owned()
    });
    probe.compute_with(&Scheduler::synchronous()).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), x.num_blocks(), "one call per block");
    for (idx, shape) in seen.iter() {
        let declared: Vec<usize> = idx
            .iter()
            .enumerate()
            .map(|(a, &i)| x.chunks()[a][i])
            .collect();
        assert_eq!(shape, &declared, "block {idx:?}");
    }
    for s in schedulers() {
        let got = x.compute_with(s).unwrap();
        assert_eq!(&got, expected, "under {s:?}");
    }
}
