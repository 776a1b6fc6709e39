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
