use std::time::Instant;
use chunkwise::{Array, Scheduler};
fn main() {
    let pool = Scheduler::threads(2);
    let sync = Scheduler::synchronous();
    for _ in 0..3 {
        let data = ndarray::Array1::<f64>::zeros(1_000_000);
        let t = Instant::now();
        let x = Array::from_ndarray(data, [1]).unwrap();
        let y = &x + 1.0;
        let t1 = t.elapsed();
        let n = y.num_tasks();
        let t2 = t.elapsed();
        let r = y.compute_with(&pool).unwrap();
        let t3 = t.elapsed();
        let r2 = y.compute_with(&sync).unwrap();
        let t4 = t.elapsed();
        println!("build {:?} plan {:?} compute2 {:?} compute_sync {:?} {} {}", t1, t2 - t1, t3 - t2, t4-t3, n, r.sum() + r2.sum());
    }
}
