//! Tapering as obspy's `Trace.taper(max_percentage, type, max_length, side)`:
//! the half length is the shortest of int(max_percentage·npts),
//! int(max_length·sampling_rate) and int(npts/2); the taper's sides are the
//! first and last halves of a window of 2·half(+1) points (scipy's symmetric
//! windows, or obspy's `cosine_taper` with p = 1).

use super::invalid;
use super::memo::Memo;
use crate::Result;
use std::f64::consts::PI;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaperType {
    Hann,
    Hamming,
    Blackman,
    Bartlett,
    /// obspy.signal.invsim.cosine_taper (p = 1).
    Cosine,
}

impl TaperType {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "hann" | "hanning" => Ok(Self::Hann),
            "hamming" => Ok(Self::Hamming),
            "blackman" => Ok(Self::Blackman),
            "bartlett" => Ok(Self::Bartlett),
            "cosine" => Ok(Self::Cosine),
            _ => invalid(format!(
                "taper: type must be hann, hamming, blackman, bartlett or cosine, got {name:?}"
            )),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaperSide {
    Left,
    Right,
    Both,
}

impl TaperSide {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "left" => Ok(Self::Left),
            "right" => Ok(Self::Right),
            "both" => Ok(Self::Both),
            _ => invalid(format!(
                "taper: side must be left, right or both, got {name:?}"
            )),
        }
    }
}

thread_local! {
    static WINDOWS: Memo<(TaperType, usize), Vec<f64>> = const { Memo::new() };
}

/// The window of `m` points obspy takes the taper's sides from.
fn window(kind: TaperType, m: usize) -> Vec<f64> {
    if m == 1 {
        return vec![1.0];
    }
    let step = 2.0 * PI / (m - 1) as f64;
    // scipy's general_cosine: Σ a_k cos(k·x), x = linspace(-π, π, m).
    let general_cosine = |a: &[f64]| -> Vec<f64> {
        (0..m)
            .map(|i| {
                let x = if i == m - 1 {
                    PI
                } else {
                    -PI + step * i as f64
                };
                a.iter()
                    .enumerate()
                    .map(|(k, ak)| ak * (k as f64 * x).cos())
                    .sum()
            })
            .collect()
    };
    match kind {
        TaperType::Hann => general_cosine(&[0.5, 0.5]),
        TaperType::Hamming => general_cosine(&[0.54, 0.46]),
        TaperType::Blackman => general_cosine(&[0.42, 0.50, 0.08]),
        TaperType::Bartlett => {
            let h = (m - 1) as f64;
            (0..m)
                .map(|i| {
                    if i as f64 <= h / 2.0 {
                        2.0 * i as f64 / h
                    } else {
                        2.0 - 2.0 * i as f64 / h
                    }
                })
                .collect()
        }
        TaperType::Cosine => cosine_taper(m),
    }
}

/// obspy's cosine_taper(npts, p=1.0) (halfcosine, not SAC style; with
/// p = 1 obspy takes frac = int(npts/2), without rounding), with numpy's
/// slice semantics for the overlapping ranges.
fn cosine_taper(npts: usize) -> Vec<f64> {
    let n = npts as i64;
    let frac = (npts / 2) as i64;
    let (idx1, mut idx2, mut idx3, idx4) = (0i64, frac - 1, n - frac, n - 1);
    if idx1 == idx2 {
        idx2 += 1;
    }
    if idx3 == idx4 {
        idx3 -= 1;
    }
    let mut w = vec![0.0; npts];
    for i in idx1..=idx2.min(n - 1) {
        w[i as usize] = 0.5 * (1.0 - (PI * (i - idx1) as f64 / (idx2 - idx1) as f64).cos());
    }
    for i in (idx2 + 1).max(0)..idx3.min(n) {
        w[i as usize] = 1.0;
    }
    for i in idx3.max(0)..=idx4 {
        w[i as usize] = 0.5 * (1.0 + (PI * (idx3 - i) as f64 / (idx4 - idx3) as f64).cos());
    }
    w
}

/// Taper `data` in place. `max_percentage` is a fraction (0.05 = 5 % per
/// side); `max_length_samples` is obspy's max_length·sampling_rate.
pub fn taper(
    data: &mut [f64],
    kind: TaperType,
    side: TaperSide,
    max_percentage: Option<f64>,
    max_length_samples: Option<f64>,
) -> Result<()> {
    let npts = data.len();
    let mut half = npts / 2;
    if let Some(p) = max_percentage {
        if !p.is_finite() || p < 0.0 {
            return invalid(format!(
                "taper: maxPercentage must be a number >= 0, got {p}"
            ));
        }
        half = half.min((p * npts as f64) as usize);
    }
    if let Some(l) = max_length_samples {
        if !l.is_finite() || l < 0.0 {
            return invalid(format!("taper: maxLength must be a number >= 0, got {l}"));
        }
        half = half.min(l as usize);
    }
    if half == 0 {
        return Ok(());
    }
    let m = if 2 * half == npts {
        2 * half
    } else {
        2 * half + 1
    };
    let w = WINDOWS.with(|c| c.get_or_try((kind, m), || Ok(window(kind, m))))?;
    if side != TaperSide::Right {
        data[..half]
            .iter_mut()
            .zip(&w[..half])
            .for_each(|(x, f)| *x *= f);
    }
    if side != TaperSide::Left {
        data[npts - half..]
            .iter_mut()
            .zip(&w[w.len() - half..])
            .for_each(|(x, f)| *x *= f);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hann_sides_start_at_zero_and_leave_the_middle() {
        let mut d = vec![1.0; 100];
        taper(&mut d, TaperType::Hann, TaperSide::Both, Some(0.1), None).unwrap();
        assert_eq!(d[0], 0.0);
        assert!(d[99].abs() < 1e-15);
        assert!(d[10..90].iter().all(|x| *x == 1.0));
        assert!(d[1] > 0.0 && d[1] < d[5]);
    }

    #[test]
    fn one_side_only() {
        let mut d = vec![1.0; 50];
        taper(&mut d, TaperType::Cosine, TaperSide::Left, Some(0.2), None).unwrap();
        assert_eq!(d[0], 0.0);
        assert!(d[10..].iter().all(|x| *x == 1.0));
    }

    #[test]
    fn cosine_window_matches_obspy_formula() {
        // obspy.signal.invsim.cosine_taper(11, p=1.0)
        let want = [
            0.0,
            0.1464466094067262,
            0.49999999999999994,
            0.8535533905932737,
            1.0,
            1.0,
            1.0,
            0.8535533905932737,
            0.5,
            0.14644660940672627,
            0.0,
        ];
        for (got, want) in cosine_taper(11).iter().zip(want) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let mut d = vec![1.0; 10];
        assert!(taper(&mut d, TaperType::Hann, TaperSide::Both, Some(-1.0), None).is_err());
        assert!(TaperSide::parse("middle").is_err());
    }
}
