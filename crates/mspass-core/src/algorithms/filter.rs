//! Butterworth filters as obspy.signal.filter (bandpass, bandstop, lowpass,
//! highpass): scipy's `iirfilter(corners, Wn, ftype="butter",
//! output="zpk")` → `zpk2sos` → `sosfilt`, and for `zerophase` a second
//! pass over the time-reversed output. The design is sci-rs's port of those
//! scipy functions; the cascade runs here, in place on the caller's buffer.

use super::invalid;
use super::memo::Memo;
use crate::Result;
use sci_rs::signal::filter::design::{butter_dyn, DigitalFilter, FilterBandType, FilterOutputType};
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FilterSpec {
    Bandpass { freqmin: f64, freqmax: f64 },
    Bandstop { freqmin: f64, freqmax: f64 },
    Lowpass { freq: f64 },
    Highpass { freq: f64 },
}

/// Second-order sections, each `[b0, b1, b2, a0, a1, a2]` with a0 = 1 (scipy's layout).
#[derive(Clone, Debug, PartialEq)]
pub struct Sos {
    pub sections: Vec<[f64; 6]>,
}

fn check_freq(name: &str, f: f64) -> Result<()> {
    if !f.is_finite() || f <= 0.0 {
        return invalid(format!("filter: {name} must be a frequency > 0, got {f}"));
    }
    Ok(())
}

/// Design the filter obspy applies for `spec` at `sampling_rate` with `corners`.
/// As obspy: a bandpass whose high corner reaches Nyquist becomes a highpass at
/// freqmin; a bandstop's high corner above Nyquist is set to Nyquist (which
/// scipy then refuses, as here); any corner at or above Nyquist is an error.
pub fn butterworth(spec: FilterSpec, sampling_rate: f64, corners: usize) -> Result<Sos> {
    if !sampling_rate.is_finite() || sampling_rate <= 0.0 {
        return invalid(format!(
            "filter: sampling rate must be > 0, got {sampling_rate}"
        ));
    }
    if corners == 0 || corners > 32 {
        return invalid(format!("filter: corners must be 1..32, got {corners}"));
    }
    let fe = 0.5 * sampling_rate;
    let (wn, band) = match spec {
        FilterSpec::Bandpass { freqmin, freqmax } => {
            check_freq("freqmin", freqmin)?;
            check_freq("freqmax", freqmax)?;
            if freqmax / fe - 1.0 > -1e-6 {
                return butterworth(
                    FilterSpec::Highpass { freq: freqmin },
                    sampling_rate,
                    corners,
                );
            }
            (vec![freqmin / fe, freqmax / fe], FilterBandType::Bandpass)
        }
        FilterSpec::Bandstop { freqmin, freqmax } => {
            check_freq("freqmin", freqmin)?;
            check_freq("freqmax", freqmax)?;
            (
                vec![freqmin / fe, (freqmax / fe).min(1.0)],
                FilterBandType::Bandstop,
            )
        }
        FilterSpec::Lowpass { freq } => {
            check_freq("freq", freq)?;
            (vec![(freq / fe).min(1.0)], FilterBandType::Lowpass)
        }
        FilterSpec::Highpass { freq } => {
            check_freq("freq", freq)?;
            (vec![freq / fe], FilterBandType::Highpass)
        }
    };
    if wn.iter().any(|w| *w >= 1.0) {
        return invalid(format!(
            "filter: corner frequencies must be below Nyquist ({fe} Hz)"
        ));
    }
    if wn.len() == 2 && wn[0] >= wn[1] {
        return invalid("filter: freqmin must be below freqmax".to_string());
    }
    match butter_dyn::<f64>(
        corners,
        wn,
        Some(band),
        Some(false),
        Some(FilterOutputType::Sos),
        None,
    ) {
        DigitalFilter::Sos(s) => Ok(Sos {
            sections: s
                .sos
                .iter()
                .map(|x| [x.b[0], x.b[1], x.b[2], x.a[0], x.a[1], x.a[2]])
                .collect(),
        }),
        _ => invalid("filter: the design did not return second-order sections".to_string()),
    }
}

thread_local! {
    static DESIGNS: Memo<(FilterSpec, u64, usize), Sos> = const { Memo::new() };
}

/// `butterworth`, designed once per thread for each (spec, rate, corners).
pub fn butterworth_cached(spec: FilterSpec, sampling_rate: f64, corners: usize) -> Result<Rc<Sos>> {
    DESIGNS.with(|m| {
        m.get_or_try((spec, sampling_rate.to_bits(), corners), || {
            butterworth(spec, sampling_rate, corners)
        })
    })
}

/// scipy.signal.sosfilt from rest, in place; `reverse` runs it from the last
/// sample to the first (the backward pass of a zero-phase filter).
pub fn sosfilt(sos: &Sos, data: &mut [f64], reverse: bool) {
    // Each section's state feeds back through a chain of dependent
    // operations per sample, so the chain's latency sets the speed. Where the
    // CPU has fused multiply-add, a multiply and its add cost one FMA latency
    // and the chain is half as long; the results then differ from scipy's in
    // the last bits (one rounding instead of two per product-sum).
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports FMA, checked just above.
        unsafe { sosfilt_fma(&sos.sections, data, reverse) };
        return;
    }
    sosfilt_unfused(&sos.sections, data, reverse);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn sosfilt_fma(s: &[[f64; 6]], data: &mut [f64], reverse: bool) {
    dispatch::<true>(s, data, reverse);
}

/// scipy's arithmetic in scipy's order: bit-identical to `sosfilt`'s output.
fn sosfilt_unfused(s: &[[f64; 6]], data: &mut [f64], reverse: bool) {
    dispatch::<false>(s, data, reverse);
}

#[inline(always)]
fn dispatch<const FMA: bool>(s: &[[f64; 6]], data: &mut [f64], reverse: bool) {
    // The cascades filter designs give (1–8 sections) run with their states
    // in registers: a state kept in memory puts a store-to-load round trip in
    // every sample's dependency chain (2 sections: 1.6× slower).
    match s.len() {
        1 => cascade::<1, FMA>(s, data, reverse),
        2 => cascade::<2, FMA>(s, data, reverse),
        3 => cascade::<3, FMA>(s, data, reverse),
        4 => cascade::<4, FMA>(s, data, reverse),
        5 => cascade::<5, FMA>(s, data, reverse),
        6 => cascade::<6, FMA>(s, data, reverse),
        7 => cascade::<7, FMA>(s, data, reverse),
        8 => cascade::<8, FMA>(s, data, reverse),
        _ => cascade_any(s, data, reverse),
    }
}

/// One direct-form-II-transposed section, one sample. Inlined into its
/// caller so `mul_add` compiles to the FMA instruction of a caller built
/// with that feature (never to a libm call).
#[inline(always)]
fn section<const FMA: bool>(s: &[f64; 6], z: &mut [f64; 2], v: f64) -> f64 {
    if FMA {
        let y = s[0].mul_add(v, z[0]);
        z[0] = (-s[4]).mul_add(y, s[1].mul_add(v, z[1]));
        z[1] = (-s[5]).mul_add(y, s[2] * v);
        y
    } else {
        let y = s[0] * v + z[0];
        z[0] = s[1] * v - s[4] * y + z[1];
        z[1] = s[2] * v - s[5] * y;
        y
    }
}

#[inline(always)]
fn cascade<const N: usize, const FMA: bool>(
    sections: &[[f64; 6]],
    data: &mut [f64],
    reverse: bool,
) {
    let s: [[f64; 6]; N] = std::array::from_fn(|k| sections[k]);
    let mut z = [[0.0f64; 2]; N];
    // Plain loops, no closures: a closure is a function of its own and would
    // not inherit the caller's FMA feature.
    if reverse {
        for x in data.iter_mut().rev() {
            let mut v = *x;
            for k in 0..N {
                v = section::<FMA>(&s[k], &mut z[k], v);
            }
            *x = v;
        }
    } else {
        for x in data.iter_mut() {
            let mut v = *x;
            for k in 0..N {
                v = section::<FMA>(&s[k], &mut z[k], v);
            }
            *x = v;
        }
    }
}

fn cascade_any(sections: &[[f64; 6]], data: &mut [f64], reverse: bool) {
    let mut z = vec![[0.0f64; 2]; sections.len()];
    let mut step = |x: &mut f64| {
        let mut v = *x;
        for (s, zi) in sections.iter().zip(z.iter_mut()) {
            v = section::<false>(s, zi, v);
        }
        *x = v;
    };
    if reverse {
        data.iter_mut().rev().for_each(&mut step);
    } else {
        data.iter_mut().for_each(&mut step);
    }
}

/// obspy's filter: one forward pass, plus a backward one for `zerophase`.
pub fn apply(sos: &Sos, data: &mut [f64], zerophase: bool) {
    sosfilt(sos, data, false);
    if zerophase {
        sosfilt(sos, data, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandpass_design_matches_scipy() {
        // scipy.signal.zpk2sos(*scipy.signal.iirfilter(2, [0.1, 0.3], btype="band", ftype="butter", output="zpk"))
        let sos = butterworth(
            FilterSpec::Bandpass {
                freqmin: 1.0,
                freqmax: 3.0,
            },
            20.0,
            2,
        )
        .unwrap();
        let expected = [
            [
                0.06745527388907191,
                0.13491054777814382,
                0.06745527388907191,
                1.0,
                -1.0246612719312358,
                0.5441183540527813,
            ],
            [1.0, -2.0, 1.0, 1.0, -1.6489176331890314, 0.7586614107417984],
        ];
        assert_eq!(sos.sections.len(), 2);
        for (got, want) in sos.sections.iter().zip(expected.iter()) {
            for (g, w) in got.iter().zip(want.iter()) {
                assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn lowpass_passes_dc_and_kills_nyquist() {
        let sos = butterworth(FilterSpec::Lowpass { freq: 1.0 }, 20.0, 4).unwrap();
        let mut dc = vec![1.0; 2000];
        apply(&sos, &mut dc, false);
        assert!((dc[1999] - 1.0).abs() < 1e-9);
        let mut alt: Vec<f64> = (0..2000)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        apply(&sos, &mut alt, false);
        assert!(alt[1999].abs() < 1e-9);
    }

    #[test]
    fn bandpass_reaching_nyquist_becomes_highpass() {
        let a = butterworth(
            FilterSpec::Bandpass {
                freqmin: 1.0,
                freqmax: 10.0,
            },
            20.0,
            4,
        )
        .unwrap();
        let b = butterworth(FilterSpec::Highpass { freq: 1.0 }, 20.0, 4).unwrap();
        assert_eq!(a, b);
    }

    fn test_signal() -> Vec<f64> {
        (0..3000)
            .map(|i| (i as f64 / 7.0).sin() + ((i * 7919) % 1000) as f64 / 1000.0)
            .collect()
    }

    #[test]
    fn register_cascades_equal_the_general_one_bit_for_bit() {
        // Bandpass designs of 1..=10 corners give 1..=10 sections: the
        // register paths (1–8) and the vector path (9, 10), both directions.
        let x = test_signal();
        for corners in 1..=10 {
            let spec = FilterSpec::Bandpass {
                freqmin: 1.0,
                freqmax: 10.0,
            };
            let sos = butterworth(spec, 100.0, corners).unwrap();
            for reverse in [false, true] {
                let (mut a, mut b) = (x.clone(), x.clone());
                sosfilt_unfused(&sos.sections, &mut a, reverse);
                cascade_any(&sos.sections, &mut b, reverse);
                assert!(
                    a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
                    "{} sections, reverse {reverse}",
                    sos.sections.len()
                );
            }
        }
    }

    #[test]
    fn fused_cascades_match_scipys_arithmetic() {
        // With FMA the roundings differ from scipy's; high orders amplify
        // them (8-corner bandstop: 2e-12 of the peak), still far inside
        // the 1e-6 of the peak the oracle tests allow.
        let x = test_signal();
        for corners in 1..=10 {
            let spec = FilterSpec::Bandstop {
                freqmin: 1.0,
                freqmax: 10.0,
            };
            let sos = butterworth(spec, 100.0, corners).unwrap();
            let (mut a, mut b) = (x.clone(), x.clone());
            apply(&sos, &mut a, true);
            sosfilt_unfused(&sos.sections, &mut b, false);
            sosfilt_unfused(&sos.sections, &mut b, true);
            let peak = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let err = a
                .iter()
                .zip(&b)
                .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
            assert!(
                err <= 1e-9 * peak,
                "{corners} corners: {err} vs peak {peak}"
            );
        }
    }

    #[test]
    fn bad_corners_are_errors() {
        assert!(butterworth(FilterSpec::Highpass { freq: 12.0 }, 20.0, 4).is_err());
        assert!(butterworth(FilterSpec::Lowpass { freq: 10.0 }, 20.0, 4).is_err());
        assert!(butterworth(
            FilterSpec::Bandstop {
                freqmin: 3.0,
                freqmax: 2.0
            },
            20.0,
            4
        )
        .is_err());
        assert!(butterworth(FilterSpec::Lowpass { freq: -1.0 }, 20.0, 4).is_err());
    }
}
