//! Fourier resampling as obspy's `Trace.resample(sampling_rate,
//! window="hann", no_filter=True)`: the one-sided spectrum is weighted by
//! the ifftshifted periodic Hann window, linearly interpolated onto the new
//! frequency grid and inverse transformed to int(npts / factor) samples,
//! scaled by new/old length. FFTs are realfft's (over rustfft).
//!
//! Everything that depends only on the lengths and rates (both FFT plans,
//! each new bin's source bins and weights) is a per-thread memo, and the
//! working buffers are per-thread too: a call allocates only its output,
//! and its cost is the two FFTs plus one pass over the kept bins.

use super::invalid;
use super::memo::Memo;
use crate::{CoreError, Result};
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::cell::RefCell;
use std::f64::consts::PI;
use std::sync::Arc;

/// Samples per component after resampling `n` samples from `old_rate` to `new_rate`.
pub fn resampled_len(n: usize, old_rate: f64, new_rate: f64) -> usize {
    ((n as f64 / (old_rate / new_rate)) as usize).max(1)
}

/// One new bin: numpy.interp between old bins `lo` and `hi` at `frac`
/// (obspy interpolates the Hann-weighted spectrum, so the weights `wlo`,
/// `whi` are the window at those bins).
struct Tap {
    lo: usize,
    hi: usize,
    frac: f64,
    wlo: f64,
    whi: f64,
}

/// What a (length, rates) pair needs, designed once per thread.
struct Plan {
    fwd: Arc<dyn RealToComplex<f64>>,
    inv: Arc<dyn ComplexToReal<f64>>,
    taps: Vec<Tap>,
}

fn plan(n: usize, num: usize, old_rate: f64, new_rate: f64) -> Plan {
    let (fwd, inv) = PLANNER.with(|p| {
        let mut p = p.borrow_mut();
        (p.plan_fft_forward(n), p.plan_fft_inverse(num))
    });
    // ifftshift(periodic hann(n))[k], for the one-sided bins k ≤ n/2.
    let hann = |k: usize| 0.5 - 0.5 * (2.0 * PI * ((k + n / 2) % n) as f64 / n as f64).cos();
    let df = old_rate / n as f64;
    let dlf = new_rate / num as f64;
    let last = n / 2;
    // numpy.interp on the uniform grid f = df·k: clamped outside it.
    let taps = (0..num / 2 + 1)
        .map(|k| {
            let pos = dlf * k as f64 / df;
            let (lo, frac) = if pos <= 0.0 {
                (0, 0.0)
            } else if pos >= last as f64 {
                (last, 0.0)
            } else {
                let i = pos.floor();
                (i as usize, pos - i)
            };
            let hi = (lo + 1).min(last);
            Tap {
                lo,
                hi,
                frac,
                wlo: hann(lo),
                whi: hann(hi),
            }
        })
        .collect();
    Plan { fwd, inv, taps }
}

/// Per-thread working buffers, grown to the largest length seen.
#[derive(Default)]
struct Work {
    input: Vec<f64>,
    spec: Vec<Complex<f64>>,
    kept: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

fn sized<T: Clone + Default>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    if v.len() < len {
        v.resize(len, T::default());
    }
    &mut v[..len]
}

thread_local! {
    // The planner keeps every FFT it made: one per length per thread.
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
    static PLANS: Memo<(usize, usize, u64, u64), Plan> = const { Memo::new() };
    static WORK: RefCell<Work> = RefCell::new(Work::default());
}

fn fft_error(e: realfft::FftError) -> CoreError {
    CoreError::InvalidArgument(format!("resample: {e}"))
}

/// Resample each of the `ncomp` component rows; returns the new buffer (component-major).
pub fn resample(data: &[f64], ncomp: usize, old_rate: f64, new_rate: f64) -> Result<Vec<f64>> {
    if !(old_rate.is_finite() && old_rate > 0.0 && new_rate.is_finite() && new_rate > 0.0) {
        return invalid(format!(
            "resample: sampling rates must be > 0, got {old_rate} → {new_rate}"
        ));
    }
    if ncomp == 0 || !data.len().is_multiple_of(ncomp) {
        return invalid(format!(
            "resample: {} samples do not make {ncomp} component rows",
            data.len()
        ));
    }
    let n = data.len() / ncomp;
    if n == 0 {
        return Ok(Vec::new());
    }
    let num = resampled_len(n, old_rate, new_rate);
    let plan = PLANS.with(|m| {
        m.get_or_try((n, num, old_rate.to_bits(), new_rate.to_bits()), || {
            Ok(plan(n, num, old_rate, new_rate))
        })
    })?;
    let mut out = vec![0.0; ncomp * num];
    WORK.with(|w| {
        let w = &mut *w.borrow_mut();
        let input = sized(&mut w.input, n);
        let spec = sized(&mut w.spec, n / 2 + 1);
        let kept = sized(&mut w.kept, num / 2 + 1);
        let scratch_len = plan.fwd.get_scratch_len().max(plan.inv.get_scratch_len());
        let scratch = sized(&mut w.scratch, scratch_len);
        // obspy scales irfft's output (which divides by num) by num/n: 1/n
        // in all, applied here to the kept bins instead of every sample.
        let s = 1.0 / n as f64;
        for (row, src) in out.chunks_exact_mut(num).zip(data.chunks_exact(n)) {
            input.copy_from_slice(src);
            plan.fwd
                .process_with_scratch(input, spec, &mut scratch[..plan.fwd.get_scratch_len()])
                .map_err(fft_error)?;
            for (y, t) in kept.iter_mut().zip(&plan.taps) {
                let a = spec[t.lo] * t.wlo;
                let b = spec[t.hi] * t.whi;
                *y = (a + (b - a) * t.frac) * s;
            }
            // obspy drops the imaginary parts at 0 Hz and (even length) Nyquist.
            kept[0].im = 0.0;
            if num.is_multiple_of(2) {
                kept[num / 2].im = 0.0;
            }
            plan.inv
                .process_with_scratch(kept, row, &mut scratch[..plan.inv.get_scratch_len()])
                .map_err(fft_error)?;
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_low_frequency_sine() {
        let n = 2000;
        let d: Vec<f64> = (0..n)
            .map(|i| (2.0 * PI * 1.0 * i as f64 / 100.0).sin())
            .collect();
        let out = resample(&d, 1, 100.0, 50.0).unwrap();
        assert_eq!(out.len(), 1000);
        // Away from the ends, the 1 Hz sine is preserved (the Hann weighting
        // at 1 Hz of a 50 Hz Nyquist is 1 − sin²(π·0.01)).
        let g = 0.5 + 0.5 * (PI * 1.0 / 50.0).cos();
        for (i, &o) in out.iter().enumerate().take(800).skip(200) {
            let want = g * (2.0 * PI * i as f64 / 50.0).sin();
            assert!((o - want).abs() < 1e-9, "{i}: {o} vs {want}");
        }
    }

    /// obspy's recipe written out with O(n²) DFTs: one-sided spectrum,
    /// Hann weights, numpy.interp per part, imaginary parts dropped at 0 Hz
    /// and (even num) Nyquist, inverse of length num, times num/n.
    fn reference(x: &[f64], old_rate: f64, new_rate: f64) -> Vec<f64> {
        let n = x.len();
        let num = resampled_len(n, old_rate, new_rate);
        let half = n / 2 + 1;
        let hann = |k: usize| 0.5 - 0.5 * (2.0 * PI * ((k + n / 2) % n) as f64 / n as f64).cos();
        let (mut re, mut im) = (vec![0.0; half], vec![0.0; half]);
        for k in 0..half {
            for (j, v) in x.iter().enumerate() {
                let a = -2.0 * PI * ((j * k) % n) as f64 / n as f64;
                re[k] += v * a.cos();
                im[k] += v * a.sin();
            }
            re[k] *= hann(k);
            im[k] *= hann(k);
        }
        let df = old_rate / n as f64;
        let dlf = new_rate / num as f64;
        let interp = |f: f64, v: &[f64]| {
            let pos = f / df;
            if pos <= 0.0 {
                v[0]
            } else if pos >= (half - 1) as f64 {
                v[half - 1]
            } else {
                let i = pos.floor() as usize;
                v[i] + (v[i + 1] - v[i]) * (pos - i as f64)
            }
        };
        let nlf = num / 2 + 1;
        let y: Vec<(f64, f64)> = (0..nlf)
            .map(|k| {
                let f = dlf * k as f64;
                let nyq = num.is_multiple_of(2) && k == num / 2;
                (
                    interp(f, &re),
                    if k == 0 || nyq { 0.0 } else { interp(f, &im) },
                )
            })
            .collect();
        (0..num)
            .map(|t| {
                let mut s = y[0].0;
                for (k, (r, i)) in y.iter().enumerate().skip(1) {
                    let a = 2.0 * PI * ((k * t) % num) as f64 / num as f64;
                    let c = r * a.cos() - i * a.sin();
                    s += if num.is_multiple_of(2) && k == num / 2 {
                        c
                    } else {
                        2.0 * c
                    };
                }
                s / n as f64
            })
            .collect()
    }

    #[test]
    fn matches_the_recipe_for_odd_and_even_lengths_both_ways() {
        let x: Vec<f64> = (0..1201)
            .map(|i| (i as f64 / 9.0).sin() * 50.0 + ((i * 7919) % 997) as f64 / 10.0)
            .collect();
        for n in [1200, 1201, 999] {
            for (old, new) in [
                (100.0, 50.0),
                (100.0, 40.0),
                (100.0, 33.0),
                (100.0, 200.0),
                (20.0, 45.0),
            ] {
                let got = resample(&x[..n], 1, old, new).unwrap();
                let want = reference(&x[..n], old, new);
                assert_eq!(got.len(), want.len(), "n {n}, {old} → {new}");
                let peak = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let err = got
                    .iter()
                    .zip(&want)
                    .fold(0.0f64, |m, (g, w)| m.max((g - w).abs()));
                assert!(err <= 1e-9 * peak, "n {n}, {old} → {new}: {err} of {peak}");
            }
        }
    }

    #[test]
    fn rows_are_resampled_each_on_its_own() {
        let a: Vec<f64> = (0..500).map(|i| (i as f64 / 7.0).cos()).collect();
        let b: Vec<f64> = (0..500).map(|i| (i as f64 / 3.0).sin() + 1.0).collect();
        let both = [a.clone(), b.clone()].concat();
        let out = resample(&both, 2, 100.0, 60.0).unwrap();
        let (ra, rb) = (
            resample(&a, 1, 100.0, 60.0).unwrap(),
            resample(&b, 1, 100.0, 60.0).unwrap(),
        );
        assert_eq!(out, [ra, rb].concat());
        assert!(resample(&both, 3, 100.0, 60.0).is_err());
        assert!(resample(&a, 1, 0.0, 60.0).is_err());
    }
}
