//! Trend removal as obspy's `Trace.detrend` (which calls scipy for
//! "linear"/"constant" and its own code for "simple").

use super::{invalid, lane_map, lane_sums};
use crate::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetrendType {
    /// Subtract the least-squares line (scipy.signal.detrend type="linear").
    Linear,
    /// Subtract the mean (obspy "constant" and "demean").
    Constant,
    /// Subtract the line through the first and last samples (obspy "simple").
    Simple,
}

impl DetrendType {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "linear" => Ok(Self::Linear),
            "constant" | "demean" => Ok(Self::Constant),
            "simple" => Ok(Self::Simple),
            _ => invalid(format!(
                "detrend: type must be linear, constant, demean or simple, got {name:?}"
            )),
        }
    }
}

pub fn detrend(data: &mut [f64], kind: DetrendType) {
    let n = data.len();
    if n == 0 {
        return;
    }
    match kind {
        DetrendType::Constant => {
            let [sum] = lane_sums(data, |_, x| [x]);
            let mean = sum / n as f64;
            data.iter_mut().for_each(|x| *x -= mean);
        }
        DetrendType::Simple => {
            if n == 1 {
                data[0] = 0.0;
                return;
            }
            let (x1, x2) = (data[0], data[n - 1]);
            let slope = (x2 - x1) / (n - 1) as f64;
            lane_map(data, |i, x| x - (x1 + i * slope));
        }
        DetrendType::Linear => {
            // Least squares on a centred abscissa t = i − c: the normal
            // equations decouple (Σt = 0), so the mean and Σt·x come from
            // one pass and Σt² = n(n²−1)/12 needs none.
            let c = (n as f64 - 1.0) / 2.0;
            let [sum, sxy] = lane_sums(data, |i, x| [x, (i - c) * x]);
            let mean = sum / n as f64;
            let nf = n as f64;
            let sxx = nf * (nf * nf - 1.0) / 12.0;
            let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
            lane_map(data, |i, x| x - (mean + slope * (i - c)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_removes_a_line_exactly() {
        let mut d: Vec<f64> = (0..101).map(|i| 3.0 + 0.5 * i as f64).collect();
        detrend(&mut d, DetrendType::Linear);
        assert!(d.iter().all(|x| x.abs() < 1e-12));
    }

    #[test]
    fn simple_zeroes_the_end_points() {
        let mut d = vec![1.0, 5.0, -2.0, 4.0];
        detrend(&mut d, DetrendType::Simple);
        assert_eq!(d[0], 0.0);
        assert!(d[3].abs() < 1e-15);
        assert!((d[1] - (5.0 - 2.0)).abs() < 1e-12);
    }

    #[test]
    fn constant_removes_the_mean() {
        let mut d = vec![1.0, 2.0, 3.0, 6.0];
        detrend(&mut d, DetrendType::Constant);
        assert_eq!(d, vec![-2.0, -1.0, 0.0, 3.0]);
    }

    #[test]
    fn unknown_type_is_an_error() {
        assert!(DetrendType::parse("spline").is_err());
    }
}
