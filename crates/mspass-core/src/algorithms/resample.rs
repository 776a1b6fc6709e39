//! Fourier resampling as obspy's `Trace.resample(sampling_rate,
//! window="hann", no_filter=True)`: the one-sided spectrum is weighted by
//! the ifftshifted periodic Hann window, linearly interpolated onto the new
//! frequency grid and inverse transformed to int(npts / factor) samples,
//! scaled by new/old length. FFTs are realfft's (over rustfft).

use super::invalid;
use super::memo::Memo;
use crate::Result;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use std::cell::RefCell;
use std::f64::consts::PI;

/// numpy.interp on a uniform grid `f = df·k` (k = 0..len): clamps outside.
fn interp_uniform(x: f64, df: f64, v: &[f64]) -> f64 {
    let pos = x / df;
    if pos <= 0.0 {
        return v[0];
    }
    let last = v.len() - 1;
    if pos >= last as f64 {
        return v[last];
    }
    let i = pos.floor() as usize;
    let w = pos - i as f64;
    v[i] + (v[i + 1] - v[i]) * w
}

/// Samples per component after resampling `n` samples from `old_rate` to `new_rate`.
pub fn resampled_len(n: usize, old_rate: f64, new_rate: f64) -> usize {
    ((n as f64 / (old_rate / new_rate)) as usize).max(1)
}

thread_local! {
    // The planner keeps every plan it made: one per length per thread.
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
    static HANN: Memo<usize, Vec<f64>> = const { Memo::new() };
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
    let (fwd, inv) = PLANNER.with(|p| {
        let mut p = p.borrow_mut();
        (p.plan_fft_forward(n), p.plan_fft_inverse(num))
    });
    let half = n / 2 + 1;
    // ifftshift(periodic hann(n))[k] for k < n/2+1.
    let w = HANN.with(|m| {
        m.get_or_try(n, || {
            Ok((0..half)
                .map(|k| 0.5 - 0.5 * (2.0 * PI * ((k + n / 2) % n) as f64 / n as f64).cos())
                .collect::<Vec<f64>>())
        })
    })?;
    let df = old_rate / n as f64;
    let dlf = new_rate / num as f64;
    let nlf = num / 2 + 1;
    let mut out = vec![0.0; ncomp * num];
    let mut input = fwd.make_input_vec();
    let mut spec = fwd.make_output_vec();
    let mut re = vec![0.0; half];
    let mut im = vec![0.0; half];
    let mut big = inv.make_input_vec();
    for c in 0..ncomp {
        input.copy_from_slice(&data[c * n..(c + 1) * n]);
        fwd.process(&mut input, &mut spec)
            .map_err(|e| crate::CoreError::InvalidArgument(format!("resample: {e}")))?;
        for k in 0..half {
            re[k] = spec[k].re * w[k];
            im[k] = spec[k].im * w[k];
        }
        for (k, b) in big.iter_mut().enumerate().take(nlf) {
            let f = dlf * k as f64;
            *b = Complex::new(interp_uniform(f, df, &re), interp_uniform(f, df, &im));
        }
        // obspy drops the imaginary parts at 0 Hz and (even length) Nyquist.
        big[0].im = 0.0;
        if num.is_multiple_of(2) {
            big[num / 2].im = 0.0;
        }
        let row = &mut out[c * num..(c + 1) * num];
        inv.process(&mut big, row)
            .map_err(|e| crate::CoreError::InvalidArgument(format!("resample: {e}")))?;
        let s = 1.0 / n as f64;
        row.iter_mut().for_each(|x| *x *= s);
    }
    Ok(out)
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
}
