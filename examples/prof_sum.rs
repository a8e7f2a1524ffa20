use chunkwise::{Array, Scheduler};
use rayon::prelude::*;
use std::time::Instant;
fn main() {
    let pool = Scheduler::threads(2);
    let data: Vec<f64> = (0..50_000_000).map(|i| (i % 1000) as f64 * 1e-3).collect();
    let x = Array::from_ndarray(ndarray::Array1::from(data.clone()), [1_000_000]).unwrap();
    let s = (&x * &x + 1.0).map(f64::sqrt).sum().unwrap();
    let s2 = x.map(|v| (v * v + 1.0).sqrt()).sum().unwrap();
    let rp = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for _ in 0..4 {
        let t = Instant::now();
        let a = s.compute_with(&pool).unwrap();
        let tc = t.elapsed();
        let t = Instant::now();
        let a2 = s2.compute_with(&pool).unwrap();
        let tc2 = t.elapsed();
        let t = Instant::now();
        let b: f64 = rp.install(|| data.par_iter().map(|v| (v * v + 1.0).sqrt()).sum());
        let tr = t.elapsed();
        let t = Instant::now();
        let c: f64 = data.iter().map(|v| (v * v + 1.0).sqrt()).sum();
        let ts = t.elapsed();
        let t = Instant::now();
        let mut acc = [0.0f64; 8];
        for c in data.chunks_exact(8) {
            for i in 0..8 {
                acc[i] += (c[i] * c[i] + 1.0).sqrt();
            }
        }
        let d: f64 = acc.iter().sum();
        let t8 = t.elapsed();
        println!("acc8 {:?} {}", t8, d);
        println!(
            "chain {:?} closure {:?} rayon {:?} serial {:?}  {} {} {} {}",
            tc,
            tc2,
            tr,
            ts,
            a[[]],
            a2[[]],
            b,
            c
        );
    }
}
