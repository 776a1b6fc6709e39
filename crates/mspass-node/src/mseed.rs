//! miniSEED binding: thin wrappers over `mspass_core::mseed` (index, decode,
//! encode). File work runs on tokio's blocking pool, never on the JS thread.

use mspass_core::mseed::{self, write::Encoding, FillValue, MergeOptions, WriteOptions};
use napi::bindgen_prelude::{Buffer, Float64Array};
use napi_derive::napi;

fn invalid(msg: String) -> napi::Error {
    napi::Error::new(napi::Status::InvalidArg, format!("InvalidArgument: {msg}"))
}

fn io_error(msg: String) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("Io: {msg}"))
}

#[napi(object)]
pub struct MseedComplaint {
    /// MsPASS's badness: "Complaint" or "Invalid".
    pub badness: String,
    pub message: String,
}

/// One entry per segment, column-wise (index i of every array is segment i).
#[napi(object)]
pub struct MseedIndex {
    pub net: Vec<String>,
    pub sta: Vec<String>,
    pub loc: Vec<String>,
    pub chan: Vec<String>,
    pub sampling_rate: Vec<f64>,
    pub delta: Vec<f64>,
    pub starttime: Vec<f64>,
    pub last_packet_time: Vec<f64>,
    pub foff: Vec<f64>,
    pub nbytes: Vec<f64>,
    pub npts: Vec<f64>,
    pub endtime: Vec<f64>,
    pub complaints: Vec<MseedComplaint>,
}

/// MsPASS's `index_mseed_file` scan of one file (headers only).
#[napi]
pub async fn index_mseed_file(path: String, segment_time_tears: bool) -> napi::Result<MseedIndex> {
    let out = tokio::task::spawn_blocking(move || {
        mseed::index_file(std::path::Path::new(&path), segment_time_tears)
            .map_err(|e| format!("{path}: {e}"))
    })
    .await
    .map_err(|e| io_error(format!("index task failed: {e}")))?
    .map_err(io_error)?;
    let s = &out.segments;
    Ok(MseedIndex {
        net: s.iter().map(|x| x.net.clone()).collect(),
        sta: s.iter().map(|x| x.sta.clone()).collect(),
        loc: s.iter().map(|x| x.loc.clone()).collect(),
        chan: s.iter().map(|x| x.chan.clone()).collect(),
        sampling_rate: s.iter().map(|x| x.sampling_rate).collect(),
        delta: s.iter().map(|x| x.delta).collect(),
        starttime: s.iter().map(|x| x.starttime).collect(),
        last_packet_time: s.iter().map(|x| x.last_packet_time).collect(),
        foff: s.iter().map(|x| x.foff as f64).collect(),
        nbytes: s.iter().map(|x| x.nbytes as f64).collect(),
        npts: s.iter().map(|x| x.npts as f64).collect(),
        endtime: s.iter().map(|x| x.endtime).collect(),
        complaints: out
            .complaints
            .into_iter()
            .map(|c| MseedComplaint {
                badness: c.badness.into(),
                message: c.message,
            })
            .collect(),
    })
}

#[napi(object)]
pub struct MseedMergeOptions {
    /// obspy's merge method: -1, 0 (default) or 1.
    pub method: Option<i32>,
    /// A number fill value; omit for masked gaps (zeros + `gaps`).
    pub fill_number: Option<f64>,
    /// "latest" or "interpolate" (obspy's string fill values).
    pub fill_mode: Option<String>,
    pub interpolation_samples: Option<i64>,
}

pub(crate) fn merge_options(o: Option<MseedMergeOptions>) -> napi::Result<MergeOptions> {
    let Some(o) = o else {
        return Ok(MergeOptions::default());
    };
    let fill = match (o.fill_number, o.fill_mode.as_deref()) {
        (Some(v), None) => FillValue::Value(v),
        (None, None) => FillValue::Masked,
        (None, Some("latest")) => FillValue::Latest,
        (None, Some("interpolate")) => FillValue::Interpolate,
        (_, Some(m)) => {
            return Err(invalid(format!(
                "mergeFillValue '{m}' is not a number, 'latest' or 'interpolate'"
            )))
        }
    };
    let method = o.method.unwrap_or(0);
    if !(-1..=1).contains(&method) {
        return Err(invalid(format!("mergeMethod {method} is not -1, 0 or 1")));
    }
    Ok(MergeOptions {
        method,
        fill,
        interpolation_samples: o.interpolation_samples.unwrap_or(0),
    })
}

/// Decodes a whole buffer (all records, all channels) into float64 samples
/// in record order: the bench's raw decode path.
#[napi]
pub async fn decode_mseed(bytes: Buffer) -> napi::Result<Float64Array> {
    // The copy (the JS buffer cannot cross to the blocking pool) lands on huge pages too.
    let mut data = vec![0u8; bytes.len()];
    mspass_core::mem::advise_huge_pages(&mut data);
    data.copy_from_slice(&bytes);
    let out = tokio::task::spawn_blocking(move || {
        let recs = mseed::decode::scan_all(&data, 0)?;
        mseed::decode::unpack_all(&data, 0, &recs).map(|u| u.samples)
    })
    .await
    .map_err(|e| io_error(format!("decode task failed: {e}")))?
    .map_err(|e| io_error(e.to_string()))?;
    Ok(Float64Array::new(out))
}

#[napi(object)]
pub struct MseedEncodeOptions {
    /// steim2 (default), steim1, int32, int16, float32, float64.
    pub encoding: Option<String>,
    /// Bytes per record (default 4096).
    pub record_length: Option<i32>,
    /// 2 (default) or 3.
    pub format_version: Option<u8>,
}

/// Packs samples into miniSEED records.
// The arguments are the JavaScript call's, positional as the TS wrapper passes them.
#[allow(clippy::too_many_arguments)]
#[napi]
pub fn encode_mseed(
    samples: Float64Array,
    net: String,
    sta: String,
    loc: String,
    chan: String,
    starttime: f64,
    sampling_rate: f64,
    options: Option<MseedEncodeOptions>,
) -> napi::Result<Buffer> {
    let mut opts = WriteOptions::default();
    if let Some(o) = options {
        if let Some(e) = o.encoding {
            opts.encoding = Encoding::parse(&e).ok_or_else(|| {
                invalid(format!(
                    "encoding '{e}' is not one of steim2, steim1, int32, int16, float32, float64"
                ))
            })?;
        }
        if let Some(r) = o.record_length {
            opts.record_length = r;
        }
        if let Some(v) = o.format_version {
            if v != 2 && v != 3 {
                return Err(invalid(format!("formatVersion {v} is not 2 or 3")));
            }
            opts.format_version = v;
        }
    }
    // Epoch seconds → ns, rounded to the microsecond MsPASS times carry.
    let start_ns = ((starttime * 1e6).round() as i64).saturating_mul(1000);
    let mut out = Vec::new();
    mseed::write_records(
        &mut out,
        (&net, &sta, &loc, &chan),
        start_ns,
        sampling_rate,
        &samples,
        &opts,
    )
    .map_err(|e| invalid(e.message))?;
    Ok(Buffer::from(out))
}
