//! Three-component coordinate transforms on a Seismogram's component-major
//! buffer (3 rows of npts): every sample vector v becomes m·v.

use super::invalid;
use crate::Result;

/// Apply the row-major 3×3 matrix `m` to every sample of `data`, in place.
pub fn transform(data: &mut [f64], m: &[f64; 9]) -> Result<()> {
    if !data.len().is_multiple_of(3) {
        return invalid(format!(
            "transform: {} samples do not make 3 component rows",
            data.len()
        ));
    }
    let n = data.len() / 3;
    let (x, rest) = data.split_at_mut(n);
    let (y, z) = rest.split_at_mut(n);
    for i in 0..n {
        let (a, b, c) = (x[i], y[i], z[i]);
        x[i] = m[0] * a + m[1] * b + m[2] * c;
        y[i] = m[3] * a + m[4] * b + m[5] * c;
        z[i] = m[6] * a + m[7] * b + m[8] * c;
    }
    Ok(())
}

/// Inverse of a row-major 3×3 matrix, or an error when it is singular.
pub fn inverse(m: &[f64; 9]) -> Result<[f64; 9]> {
    let c = [
        m[4] * m[8] - m[5] * m[7],
        m[2] * m[7] - m[1] * m[8],
        m[1] * m[5] - m[2] * m[4],
        m[5] * m[6] - m[3] * m[8],
        m[0] * m[8] - m[2] * m[6],
        m[2] * m[3] - m[0] * m[5],
        m[3] * m[7] - m[4] * m[6],
        m[1] * m[6] - m[0] * m[7],
        m[0] * m[4] - m[1] * m[3],
    ];
    let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
    let scale = m.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if !det.is_finite() || det.abs() <= 1e-12 * scale.powi(3) {
        return invalid("rotateToStandard: transformation matrix is singular".to_string());
    }
    Ok(c.map(|x| x / det))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_and_inverse_round_trip() {
        let m = [1.0, 2.0, 0.0, 0.0, 1.0, 0.5, 0.3, 0.0, 1.0];
        let mut d = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // samples (1,3,5), (2,4,6)
        let orig = d.clone();
        transform(&mut d, &m).unwrap();
        assert_eq!(d[0], 1.0 + 2.0 * 3.0);
        transform(&mut d, &inverse(&m).unwrap()).unwrap();
        for (a, b) in d.iter().zip(&orig) {
            assert!((a - b).abs() < 1e-12);
        }
        assert!(inverse(&[1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 0.0, 0.0, 1.0]).is_err());
    }
}
