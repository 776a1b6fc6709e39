//! Signal processing binding: each call borrows the caller's Float64Array and
//! works on it in place (no copy), synchronously on the JS thread. `ncomp` is
//! 1 for a TimeSeries and 3 for a Seismogram (component-major buffer: each
//! component row is processed on its own).

use crate::errors::to_napi;
use mspass_core::algorithms::{
    amplitude::{self, ScalingMethod},
    decimate,
    detrend::{self, DetrendType},
    filter::{self, FilterSpec},
    resample, rotate, rows,
    taper::{self, TaperSide, TaperType},
};
use napi::bindgen_prelude::{Float64Array, Float64ArraySlice};
use napi_derive::napi;

fn samples<'a>(data: &'a mut Float64ArraySlice) -> &'a mut [f64] {
    // SAFETY: the call is synchronous; JavaScript cannot touch the buffer
    // while we hold the slice.
    unsafe { data.as_mut() }
}

/// obspy's `Trace.detrend(type)` on each component.
#[napi(js_name = "algDetrend")]
pub fn alg_detrend(mut data: Float64ArraySlice, ncomp: u32, kind: String) -> napi::Result<()> {
    let kind = DetrendType::parse(&kind).map_err(to_napi)?;
    rows(samples(&mut data), ncomp as usize, |r| {
        detrend::detrend(r, kind);
        Ok(())
    })
    .map_err(to_napi)
}

/// obspy's `Trace.taper`; `max_length_samples` is max_length·sampling_rate.
#[napi(js_name = "algTaper")]
pub fn alg_taper(
    mut data: Float64ArraySlice,
    ncomp: u32,
    kind: String,
    side: String,
    max_percentage: Option<f64>,
    max_length_samples: Option<f64>,
) -> napi::Result<()> {
    let kind = TaperType::parse(&kind).map_err(to_napi)?;
    let side = TaperSide::parse(&side).map_err(to_napi)?;
    rows(samples(&mut data), ncomp as usize, |r| {
        taper::taper(r, kind, side, max_percentage, max_length_samples)
    })
    .map_err(to_napi)
}

#[napi(object)]
pub struct FilterParams {
    /// bandpass | bandstop | lowpass | highpass
    pub kind: String,
    pub freq: Option<f64>,
    pub freqmin: Option<f64>,
    pub freqmax: Option<f64>,
    pub sampling_rate: f64,
    pub corners: u32,
    pub zerophase: bool,
}

fn spec(p: &FilterParams) -> napi::Result<FilterSpec> {
    let need = |v: Option<f64>, name: &str| {
        v.ok_or_else(|| {
            to_napi(mspass_core::CoreError::InvalidArgument(format!(
                "filter: {} needs {name}",
                p.kind
            )))
        })
    };
    Ok(match p.kind.as_str() {
        "bandpass" => FilterSpec::Bandpass {
            freqmin: need(p.freqmin, "freqmin")?,
            freqmax: need(p.freqmax, "freqmax")?,
        },
        "bandstop" => FilterSpec::Bandstop {
            freqmin: need(p.freqmin, "freqmin")?,
            freqmax: need(p.freqmax, "freqmax")?,
        },
        "lowpass" => FilterSpec::Lowpass {
            freq: need(p.freq, "freq")?,
        },
        "highpass" => FilterSpec::Highpass {
            freq: need(p.freq, "freq")?,
        },
        other => {
            return Err(to_napi(mspass_core::CoreError::InvalidArgument(format!(
                "filter: type must be bandpass, bandstop, lowpass or highpass, got {other:?}"
            ))))
        }
    })
}

/// obspy's Butterworth `Trace.filter` (design + sosfilt, zerophase = forward + backward).
#[napi(js_name = "algFilter")]
pub fn alg_filter(
    mut data: Float64ArraySlice,
    ncomp: u32,
    params: FilterParams,
) -> napi::Result<()> {
    let sos = filter::butterworth_cached(
        spec(&params)?,
        params.sampling_rate,
        params.corners as usize,
    )
    .map_err(to_napi)?;
    rows(samples(&mut data), ncomp as usize, |r| {
        filter::apply(&sos, r, params.zerophase);
        Ok(())
    })
    .map_err(to_napi)
}

/// MsPASS's amplitude measure (peak | rms | perc | mad) of the whole buffer.
#[napi(js_name = "algAmplitude")]
pub fn alg_amplitude(
    data: Float64ArraySlice,
    ncomp: u32,
    method: String,
    level: f64,
) -> napi::Result<f64> {
    let method = ScalingMethod::parse(&method, level).map_err(to_napi)?;
    amplitude::amplitude(data.as_ref(), ncomp as usize, method).map_err(to_napi)
}

/// Multiply every sample by `factor`, in place.
#[napi(js_name = "algScaleBy")]
pub fn alg_scale_by(mut data: Float64ArraySlice, factor: f64) {
    amplitude::scale_by(samples(&mut data), factor);
}

/// obspy's `Trace.decimate`: in place; the first ncomp·(returned count)
/// samples are the result.
#[napi(js_name = "algDecimate")]
pub fn alg_decimate(
    mut data: Float64ArraySlice,
    ncomp: u32,
    factor: u32,
    sampling_rate: f64,
    no_filter: bool,
) -> napi::Result<u32> {
    decimate::decimate(
        samples(&mut data),
        ncomp as usize,
        factor as usize,
        sampling_rate,
        no_filter,
    )
    .map(|m| m as u32)
    .map_err(to_napi)
}

/// obspy's `Trace.resample` (Hann-weighted Fourier resampling); returns the new samples.
#[napi(js_name = "algResample")]
pub fn alg_resample(
    data: Float64ArraySlice,
    ncomp: u32,
    old_rate: f64,
    new_rate: f64,
) -> napi::Result<Float64Array> {
    resample::resample(data.as_ref(), ncomp as usize, old_rate, new_rate)
        .map(Float64Array::new)
        .map_err(to_napi)
}

/// Three-component transform: every sample vector v of a Seismogram's
/// component-major buffer becomes m·v (`m` row-major 3×3); with `invert`,
/// m⁻¹·v (an error when m is singular).
#[napi(js_name = "algTransform")]
pub fn alg_transform(mut data: Float64ArraySlice, m: Vec<f64>, invert: bool) -> napi::Result<()> {
    let m: [f64; 9] = m.try_into().map_err(|_| {
        to_napi(mspass_core::CoreError::InvalidArgument(
            "transform: the matrix must have 9 elements".to_string(),
        ))
    })?;
    let m = if invert {
        rotate::inverse(&m).map_err(to_napi)?
    } else {
        m
    };
    rotate::transform(samples(&mut data), &m).map_err(to_napi)
}
