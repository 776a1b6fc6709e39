//! Decimation as obspy's `Trace.decimate(factor, no_filter)`: an
//! anti-alias `lowpass_cheby_2` at the new Nyquist (order ≤ 12, 96 dB
//! stop band, pass band lowered until cheb2ord's order fits), then every
//! `factor`-th sample. The Chebyshev II prototype (scipy's `cheb2ap`) and
//! order rule (`cheb2ord`) are written here, since sci-rs leaves them
//! unimplemented; the frequency transform, bilinear map and zpk2sos are
//! sci-rs's.

use super::filter::{self, Sos};
use super::invalid;
use super::memo::Memo;
use crate::Result;
use sci_rs::na::Complex;
use sci_rs::signal::filter::design::{
    bilinear_zpk_dyn, lp2lp_zpk_dyn, zpk2sos_dyn, ZpkFormatFilter,
};
use std::f64::consts::PI;

/// scipy.signal.cheb2ord(wp, ws, gpass, gstop) for a digital lowpass: (order, wn).
fn cheb2ord(wp: f64, ws: f64, gpass: f64, gstop: f64) -> (usize, f64) {
    let passb = (PI * wp / 2.0).tan();
    let stopb = (PI * ws / 2.0).tan();
    let nat = stopb / passb;
    let gs = 10f64.powf(0.1 * gstop.abs());
    let gp = 10f64.powf(0.1 * gpass.abs());
    let v = ((gs - 1.0) / (gp - 1.0)).sqrt().acosh();
    let ord = (v / nat.acosh()).ceil();
    let new_freq = 1.0 / (v / ord).cosh();
    let nat = passb / new_freq;
    (ord as usize, (2.0 / PI) * nat.atan())
}

/// scipy.signal.cheb2ap(n, rs): zeros, poles, gain of the analog prototype.
fn cheb2ap(n: usize, rs: f64) -> ZpkFormatFilter<f64> {
    let de = 1.0 / (10f64.powf(0.1 * rs) - 1.0).sqrt();
    let mu = (1.0 / de).asinh() / n as f64;
    let ni = n as i64;
    let m: Vec<i64> = if n % 2 == 1 {
        (-ni + 1..0).step_by(2).chain((2..ni).step_by(2)).collect()
    } else {
        (-ni + 1..ni).step_by(2).collect()
    };
    // z = -conj(1j / sin(m·π/(2n))): purely imaginary.
    let z: Vec<Complex<f64>> = m
        .iter()
        .map(|&mi| Complex::new(0.0, 1.0 / (mi as f64 * PI / (2.0 * n as f64)).sin()))
        .collect();
    let p: Vec<Complex<f64>> = (-ni + 1..ni)
        .step_by(2)
        .map(|k| {
            let b = -Complex::new(0.0, PI * k as f64 / (2.0 * n as f64)).exp();
            Complex::new(mu.sinh() * b.re, mu.cosh() * b.im).inv()
        })
        .collect();
    let prod = |v: &[Complex<f64>]| v.iter().fold(Complex::new(1.0, 0.0), |a, x| a * -x);
    let k = (prod(&p) / prod(&z)).re;
    ZpkFormatFilter::new(z, p, k)
}

/// obspy.signal.filter.lowpass_cheby_2 design (rp = 1 dB, rs = 96 dB).
pub fn lowpass_cheby2(freq: f64, sampling_rate: f64, maxorder: usize) -> Result<Sos> {
    let nyquist = 0.5 * sampling_rate;
    let ws = (freq / nyquist).min(1.0);
    if ws.is_nan() || ws <= 0.0 {
        return invalid(format!(
            "decimate: anti-alias corner must be > 0 Hz, got {freq}"
        ));
    }
    let (rp, rs) = (1.0, 96.0);
    let mut wp = ws;
    let (mut order, mut wn) = (usize::MAX, ws);
    while order > maxorder {
        wp *= 0.99;
        (order, wn) = cheb2ord(wp, ws, rp, rs);
    }
    // scipy's iirfilter: pre-warp with fs = 2, lowpass transform, bilinear.
    let warped = 4.0 * (PI * wn / 2.0).tan();
    let zpk = bilinear_zpk_dyn(lp2lp_zpk_dyn(cheb2ap(order, rs), Some(warped)), 2.0);
    let s = zpk2sos_dyn(order, zpk, None, Some(false));
    Ok(Sos {
        sections: s
            .sos
            .iter()
            .map(|x| [x.b[0], x.b[1], x.b[2], x.a[0], x.a[1], x.a[2]])
            .collect(),
    })
}

thread_local! {
    static CHEBY2: Memo<(u64, u64), Sos> = const { Memo::new() };
}

/// Decimate each of the `ncomp` component rows in place; the first
/// `ncomp · ceil(n / factor)` samples of `data` become the result,
/// component-major. Returns the new samples per component.
pub fn decimate(
    data: &mut [f64],
    ncomp: usize,
    factor: usize,
    sampling_rate: f64,
    no_filter: bool,
) -> Result<usize> {
    if factor == 0 {
        return invalid("decimate: factor must be >= 1".to_string());
    }
    if !no_filter && factor > 16 {
        return invalid(format!(
            "decimate: automatic filter design is unstable for factors above 16, got {factor}"
        ));
    }
    if ncomp == 0 || !data.len().is_multiple_of(ncomp) {
        return invalid(format!(
            "decimate: {} samples do not make {ncomp} component rows",
            data.len()
        ));
    }
    let n = data.len() / ncomp;
    let m = n.div_ceil(factor);
    if !no_filter && factor > 1 {
        let freq = sampling_rate * 0.5 / factor as f64;
        let sos = CHEBY2.with(|m| {
            m.get_or_try((freq.to_bits(), sampling_rate.to_bits()), || {
                lowpass_cheby2(freq, sampling_rate, 12)
            })
        })?;
        super::rows(data, ncomp, |r| {
            filter::apply(&sos, r, false);
            Ok(())
        })?;
    }
    // Compact in place: the destination never overtakes its source.
    for c in 0..ncomp {
        for i in 0..m {
            data[c * m + i] = data[c * n + i * factor];
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cheb2ord_matches_scipy() {
        // scipy.signal.cheb2ord(0.2, 0.3, 1, 96)
        let (ord, wn) = cheb2ord(0.2, 0.3, 1.0, 96.0);
        assert_eq!(ord, 13);
        assert!((wn - 0.28741336365643316).abs() < 1e-12, "{wn}");
    }

    #[test]
    fn decimate_without_filter_picks_every_nth() {
        let mut d: Vec<f64> = (0..10).map(f64::from).collect();
        let m = decimate(&mut d, 1, 3, 100.0, true).unwrap();
        assert_eq!(&d[..m], &[0.0, 3.0, 6.0, 9.0]);
        let mut s: Vec<f64> = (0..12).map(f64::from).collect(); // 3 rows of 4
        let m = decimate(&mut s, 3, 2, 100.0, true).unwrap();
        assert_eq!(&s[..3 * m], &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    }
}
