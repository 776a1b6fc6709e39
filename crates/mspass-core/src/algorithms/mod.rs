//! Signal processing on sample buffers, in place (`&mut [f64]`).
//!
//! Each function follows the reference its module names (obspy 1.5.1, scipy,
//! or MsPASS's C++) so results agree with what a MsPASS user gets; the
//! TypeScript layer applies them to TimeSeries, Seismogram and ensembles.
//! Invalid parameters come back as `CoreError::InvalidArgument` naming the
//! parameter; nothing here panics on user input.

pub mod amplitude;
pub mod decimate;
pub mod detrend;
pub mod filter;
pub mod memo;
pub mod resample;
pub mod rotate;
pub mod taper;

use crate::{CoreError, Result};

pub(crate) fn invalid<T>(msg: impl Into<String>) -> Result<T> {
    Err(CoreError::InvalidArgument(msg.into()))
}

/// Lanes of independent accumulators and index counters. A sum kept in one
/// accumulator is a chain of dependent additions (one add latency per
/// sample, ~1.4 ns); LANES chains run side by side and vectorize, and an
/// index counted in LANES floats avoids converting every index to f64.
pub(crate) const LANES: usize = 8;

/// Σ f(i, x[i]) over `data` for M sums at once, i as f64 (exact below
/// 2⁵³), each in LANES partial sums.
pub(crate) fn lane_sums<const M: usize>(
    data: &[f64],
    f: impl Fn(f64, f64) -> [f64; M],
) -> [f64; M] {
    let mut acc = [[0.0f64; LANES]; M];
    let mut t: [f64; LANES] = std::array::from_fn(|k| k as f64);
    let chunks = data.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..LANES {
            let v = f(t[k], c[k]);
            for m in 0..M {
                acc[m][k] += v[m];
            }
            t[k] += LANES as f64;
        }
    }
    let base = data.len() - rest.len();
    std::array::from_fn(|m| {
        acc[m].iter().sum::<f64>()
            + rest
                .iter()
                .enumerate()
                .map(|(k, x)| f((base + k) as f64, *x)[m])
                .sum::<f64>()
    })
}

/// x[i] = f(i, x[i]) over `data`, i as f64 (exact below 2⁵³).
pub(crate) fn lane_map(data: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    let mut t: [f64; LANES] = std::array::from_fn(|k| k as f64);
    let mut chunks = data.chunks_exact_mut(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            c[k] = f(t[k], c[k]);
            t[k] += LANES as f64;
        }
    }
    let rest = chunks.into_remainder();
    let base = t[0];
    for (k, x) in rest.iter_mut().enumerate() {
        *x = f(base + k as f64, *x);
    }
}

/// Run `f` on each of the `ncomp` component rows of a component-major buffer.
pub fn rows(data: &mut [f64], ncomp: usize, f: impl FnMut(&mut [f64]) -> Result<()>) -> Result<()> {
    if ncomp == 0 || !data.len().is_multiple_of(ncomp) {
        return invalid(format!(
            "{} samples do not make {ncomp} equal component rows",
            data.len()
        ));
    }
    let n = data.len() / ncomp;
    if n == 0 {
        return Ok(());
    }
    data.chunks_exact_mut(n).try_for_each(f)
}
