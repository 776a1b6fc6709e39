//! Amplitude measures of MsPASS's C++ `scale` (algorithms/amplitudes.cc).
//! A Seismogram's amplitude at a sample is the vector norm of its three
//! components; the buffer is component-major (3 rows of `npts`).

use super::{invalid, lane_sums, LANES};
use crate::Result;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalingMethod {
    Peak,
    Rms,
    /// Clip percentage: the amplitude below which a fraction `level` of samples lie.
    Perc(f64),
    /// Median absolute amplitude (MsPASS: PercAmplitude at 0.5).
    Mad,
}

impl ScalingMethod {
    pub fn parse(name: &str, level: f64) -> Result<Self> {
        match name {
            "peak" => Ok(Self::Peak),
            "rms" | "RMS" => Ok(Self::Rms),
            "perc" => Ok(Self::Perc(level)),
            "mad" | "MAD" => Ok(Self::Mad),
            _ => invalid(format!(
                "scale: method must be peak, rms, perc or mad, got {name:?}"
            )),
        }
    }
}

/// Amplitude of `data` holding `ncomp` (1 or 3) component rows.
pub fn amplitude(data: &[f64], ncomp: usize, method: ScalingMethod) -> Result<f64> {
    if ncomp != 1 && ncomp != 3 {
        return invalid(format!("amplitude: ncomp must be 1 or 3, got {ncomp}"));
    }
    if !data.len().is_multiple_of(ncomp) {
        return invalid(format!(
            "amplitude: {} samples is not a multiple of {ncomp}",
            data.len()
        ));
    }
    let n = data.len() / ncomp;
    if n == 0 {
        return Ok(0.0);
    }
    let norm = |i: usize| -> f64 {
        if ncomp == 1 {
            data[i].abs()
        } else {
            let (a, b, c) = (data[i], data[n + i], data[2 * n + i]);
            (a * a + b * b + c * c).sqrt()
        }
    };
    Ok(match method {
        ScalingMethod::Peak if ncomp == 1 => peak_abs(data),
        ScalingMethod::Peak => (0..n).map(norm).fold(0.0, f64::max),
        ScalingMethod::Rms => (sum_squares(data) / n as f64).sqrt(),
        ScalingMethod::Perc(p) => percentile(&(0..n).map(norm).collect::<Vec<_>>(), p)?,
        ScalingMethod::Mad => percentile(&(0..n).map(norm).collect::<Vec<_>>(), 0.5)?,
    })
}

/// Largest |x| (NaN ignored).
fn peak_abs(data: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = data.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (m, x) in acc.iter_mut().zip(c) {
            let a = x.abs();
            *m = if a > *m { a } else { *m };
        }
    }
    acc.iter()
        .chain(rest.iter())
        .fold(0.0, |m, x| if x.abs() > m { x.abs() } else { m })
}

fn sum_squares(data: &[f64]) -> f64 {
    let [s] = lane_sums(data, |_, x| [x * x]);
    s
}

/// MsPASS's PercAmplitude: sorted |x| at index floor(frac·n), clipped to n−1.
fn percentile(values: &[f64], frac: f64) -> Result<f64> {
    if !(frac > 0.0 && frac <= 1.0) {
        return invalid(format!("scale: perc level must be in (0, 1], got {frac}"));
    }
    let mut v = values.to_vec();
    let k = ((frac * v.len() as f64) as usize).min(v.len() - 1);
    let (_, x, _) = v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    Ok(*x)
}

/// Multiply every sample by `factor`.
pub fn scale_by(data: &mut [f64], factor: f64) {
    data.iter_mut().for_each(|x| *x *= factor);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures() {
        let d = [3.0, -4.0, 1.0, 0.0];
        assert_eq!(amplitude(&d, 1, ScalingMethod::Peak).unwrap(), 4.0);
        assert!(
            (amplitude(&d, 1, ScalingMethod::Rms).unwrap() - (26.0f64 / 4.0).sqrt()).abs() < 1e-15
        );
        assert_eq!(amplitude(&d, 1, ScalingMethod::Mad).unwrap(), 3.0);
        assert_eq!(amplitude(&d, 1, ScalingMethod::Perc(1.0)).unwrap(), 4.0);
    }

    #[test]
    fn three_components_use_the_vector_norm() {
        // Two samples: (3,4,0) and (0,0,1), component-major.
        let d = [3.0, 0.0, 4.0, 0.0, 0.0, 1.0];
        assert_eq!(amplitude(&d, 3, ScalingMethod::Peak).unwrap(), 5.0);
    }

    #[test]
    fn bad_perc_level_is_an_error() {
        assert!(amplitude(&[1.0], 1, ScalingMethod::Perc(1.5)).is_err());
    }
}
