//! The floor under each processing step of `bench/algorithms.bench.ts`,
//! measured on the same machine in the same run: the cost of the work no
//! implementation of the step can avoid.
//!
//! - `memcpy`: copy n f64 into an already-touched buffer.
//! - `read`: one pass reading n f64 (a sum in 8 lanes).
//! - `readWrite`: one pass reading and writing n f64 in place (x·c).
//! - `recurrence<S>`: S·n DEPENDENT fused multiply-adds (y = y·a + x, S
//!   times per sample, the sample overwritten by y; a multiply and an add
//!   where the CPU has no FMA): the latency of a chain through S feedback
//!   sections per sample, the usual bound quoted for a cascade of S
//!   second-order sections. (Sections can overlap in time, so a cascade can
//!   come in somewhat under it; it is the order of magnitude that counts.)
//! - `fft`: realfft forward of n real samples plus inverse of n/2 (the two
//!   transforms of a 2:1 Fourier resample), plans and buffers made
//!   beforehand.
//!
//! Each figure is the median of repetitions, the input re-copied (untimed)
//! before each one, as the benchmark gives every call a fresh copy.
//!
//!     cargo run --release -p algorithms-floor -- 10000 1000000
//!
//! prints JSON {"<n>": {"memcpy": ms, "read": ms, ...}, ...}.

use realfft::RealFftPlanner;
use std::hint::black_box;
use std::time::Instant;

fn samples(n: usize) -> Vec<f64> {
    // Any finite values: the floor does not depend on them.
    (0..n).map(|i| (i as f64 * 0.001).sin() * 1000.0).collect()
}

/// Median milliseconds of `op` on `buf` over `reps` runs, `buf` refilled
/// from `src` (untimed) before each.
fn median_ms(reps: usize, src: &[f64], buf: &mut [f64], mut op: impl FnMut(&mut [f64])) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            buf.copy_from_slice(src);
            let start = Instant::now();
            op(buf);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// S·n dependent fused multiply-adds (one rounding each), the sample
/// overwritten by the last.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn recurrence_fma(data: &mut [f64], sections: usize) {
    let a = black_box(0.999f64);
    let mut y = 0.0f64;
    for x in data.iter_mut() {
        for _ in 0..sections {
            y = y.mul_add(a, *x);
        }
        *x = y;
    }
}

/// Without FMA: a multiply then a dependent add (what the filters compile to).
fn recurrence_mul_add(data: &mut [f64], sections: usize) {
    let a = black_box(0.999f64);
    let mut y = 0.0f64;
    for x in data.iter_mut() {
        for _ in 0..sections {
            y = y * a + *x;
        }
        *x = y;
    }
}

fn recurrence(data: &mut [f64], sections: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA (checked above).
        unsafe { recurrence_fma(data, sections) };
        return;
    }
    recurrence_mul_add(data, sections);
}

fn floors(n: usize) -> Vec<(String, f64)> {
    let reps = if n > 100_000 { 15 } else { 301 };
    let src = samples(n);
    let mut buf = src.clone();
    let b = &mut buf;
    let mut out = vec![
        (
            "memcpy".to_string(),
            median_ms(reps, &src, b, |d| d.copy_from_slice(black_box(&src))),
        ),
        (
            "read".to_string(),
            median_ms(reps, &src, b, |d| {
                let mut acc = [0.0f64; 8];
                let chunks = d.chunks_exact(8);
                for c in chunks {
                    for k in 0..8 {
                        acc[k] += c[k];
                    }
                }
                black_box(acc);
            }),
        ),
        (
            "readWrite".to_string(),
            median_ms(reps, &src, b, |d| {
                let c = black_box(1.000_000_1);
                d.iter_mut().for_each(|x| *x *= c);
                black_box(d);
            }),
        ),
    ];
    for sections in [2, 4, 6, 8] {
        out.push((
            format!("recurrence{sections}"),
            median_ms(reps, &src, b, |d| {
                recurrence(d, sections);
                black_box(d);
            }),
        ));
    }
    let mut planner = RealFftPlanner::<f64>::new();
    let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n / 2));
    let mut spec = fwd.make_output_vec();
    let mut half = inv.make_input_vec();
    let mut res = inv.make_output_vec();
    let mut scratch = vec![Default::default(); fwd.get_scratch_len().max(inv.get_scratch_len())];
    let fft = median_ms(reps, &src, b, |d| {
        fwd.process_with_scratch(d, &mut spec, &mut scratch)
            .expect("forward FFT");
        let kept = half.len();
        half.copy_from_slice(&spec[..kept]);
        half[0].im = 0.0;
        let last = half.len() - 1;
        half[last].im = 0.0;
        inv.process_with_scratch(&mut half, &mut res, &mut scratch)
            .expect("inverse FFT");
        black_box(&res);
    });
    out.push(("fft".to_string(), fft));
    out
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("sizes are sample counts"))
        .collect();
    let body: Vec<String> = sizes
        .iter()
        .map(|&n| {
            let fields: Vec<String> = floors(n)
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("\"{n}\": {{{}}}", fields.join(", "))
        })
        .collect();
    println!("{{{}}}", body.join(", "));
}
