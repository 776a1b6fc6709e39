//! obspy's `Stream.merge(method, fill_value, interpolation_samples)` for the
//! pieces of one id, as MsPASS's `read_data(merge_method=…, merge_fill_value=…)`
//! calls it, in float64.
//!
//! One deliberate difference: with no fill value obspy leaves *masked* gap
//! samples whose stored values (INT_MIN or NaN) MsPASS then copies as if they
//! were data. Here those samples are 0.0 and each run of them is reported in
//! `gaps` (epoch-second intervals), which the reader turns into
//! `has_gap`/`gaps` as MsPASS's `window.merge(zero_gaps=True)` does.

#[derive(Debug, Clone, PartialEq)]
pub enum FillValue {
    /// obspy's `None`: gaps (and method-0 overlaps) are masked → zeros + `gaps`.
    Masked,
    Value(f64),
    /// The last sample before the gap.
    Latest,
    /// Linear interpolation across the gap.
    Interpolate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MergeOptions {
    /// obspy's `method`: -1, 0 or 1.
    pub method: i32,
    pub fill: FillValue,
    /// obspy's `interpolation_samples` (method 1 only).
    pub interpolation_samples: i64,
}

impl Default for MergeOptions {
    fn default() -> Self {
        MergeOptions {
            method: 0,
            fill: FillValue::Masked,
            interpolation_samples: 0,
        }
    }
}

/// Upper bound on the samples of one merged trace (2^28: 2 GiB of float64,
/// a month at 100 Hz); a merge that would exceed it is an error.
pub const MAX_MERGED_SAMPLES: u64 = 1 << 28;

#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub start_ns: i64,
    pub rate: f64,
    pub samples: Vec<f64>,
    /// Masked (zero-filled) intervals, epoch seconds of first and last masked sample.
    pub gaps: Vec<(f64, f64)>,
}

struct Tr {
    start_ns: i64,
    rate: f64,
    int: bool,
    data: Vec<f64>,
    mask: Option<Vec<bool>>,
}

impl Tr {
    fn len(&self) -> usize {
        self.data.len()
    }
    fn end_s(&self) -> f64 {
        self.start_ns as f64 / 1e9 + (self.len() as f64 - 1.0) / self.rate
    }
    fn masked(&self, i: usize) -> bool {
        self.mask.as_ref().is_some_and(|m| m[i])
    }
}

/// numpy/obspy `round_away`: halves round away from zero.
fn round_away(x: f64) -> i64 {
    x.round() as i64
}

struct Out {
    data: Vec<f64>,
    mask: Vec<bool>,
    any_mask: bool,
}

impl Out {
    fn push_from(&mut self, t: &Tr, range: std::ops::Range<usize>) {
        for i in range {
            self.data.push(t.data[i]);
            let m = t.masked(i);
            self.any_mask |= m;
            self.mask.push(m);
        }
    }
    fn push_chunk(&mut self, n: usize, fill: &FillValue, int: bool, latest: f64, next: f64) {
        let cast = |v: f64| if int { v.trunc() } else { v };
        for k in 0..n {
            let (v, m) = match fill {
                FillValue::Masked => (0.0, true),
                FillValue::Value(x) => (cast(*x), false),
                FillValue::Latest => (latest, false),
                FillValue::Interpolate => (
                    cast(latest + (next - latest) * (k + 1) as f64 / (n + 1) as f64),
                    false,
                ),
            };
            self.data.push(v);
            self.mask.push(m);
            self.any_mask |= m;
        }
    }
    fn into_tr(self, start_ns: i64, rate: f64, int: bool) -> Tr {
        Tr {
            start_ns,
            rate,
            int,
            data: self.data,
            mask: if self.any_mask { Some(self.mask) } else { None },
        }
    }
}

fn same(a: &Tr, ar: std::ops::Range<usize>, b: &Tr, br: std::ops::Range<usize>) -> bool {
    ar.len() == br.len()
        && ar
            .zip(br)
            .all(|(i, j)| a.masked(i) || b.masked(j) || a.data[i] == b.data[j])
}

/// obspy `Trace.__add__` (lt starts no later than rt).
fn add(lt: Tr, rt: Tr, opts: &MergeOptions) -> Result<Tr, String> {
    let sr = lt.rate;
    let int = lt.int && rt.int;
    let (ln, rn) = (lt.len(), rt.len());
    if ln == 0 {
        return Ok(rt);
    }
    if rn == 0 {
        return Ok(lt);
    }
    let latest = lt.data[ln - 1];
    let next = rt.data[0];
    let delta = round_away((rt.start_ns as f64 / 1e9 - lt.end_s()) * sr) - 1;
    let delta_endtime = lt.end_s() - rt.end_s();
    let mut out = Out {
        data: Vec::with_capacity(ln + rn),
        mask: Vec::with_capacity(ln + rn),
        any_mask: false,
    };
    if delta < 0 && delta_endtime < 0.0 {
        let d = (delta.unsigned_abs() as usize).min(ln).min(rn);
        if same(&lt, ln - d..ln, &rt, 0..d) {
            out.push_from(&lt, 0..ln - d);
            out.push_from(&rt, 0..rn);
        } else if opts.method == 0 {
            out.push_from(&lt, 0..ln - d);
            out.push_chunk(d, &opts.fill, int, latest, next);
            out.push_from(&rt, d..rn);
        } else if opts.method == 1 && opts.interpolation_samples >= -1 {
            let ls = if ln > d {
                lt.data[ln - d - 1]
            } else {
                lt.data[0]
            };
            let is = if opts.interpolation_samples == -1 {
                d
            } else {
                (opts.interpolation_samples as usize).min(d)
            };
            if is >= rn {
                out.push_from(&lt, 0..ln);
            } else {
                let rs = rt.data[is];
                out.push_from(&lt, 0..ln - d);
                out.push_chunk(is, &FillValue::Interpolate, int, ls, rs);
                out.push_from(&rt, is..rn);
            }
        } else {
            return Err(format!(
                "merge method {} is not one of -1, 0, 1",
                opts.method
            ));
        }
    } else if delta < 0 {
        // rt lies inside lt
        let d = delta.unsigned_abs() as usize;
        let t1 = ln.saturating_sub(d);
        let t2 = (t1 + rn).min(ln);
        if same(&lt, t1..t2, &rt, 0..t2 - t1) || opts.method == 1 {
            out.push_from(&lt, 0..ln);
        } else if opts.method == 0 {
            out.push_from(&lt, 0..t1);
            out.push_chunk(t2 - t1, &opts.fill, int, latest, next);
            out.push_from(&lt, t2..ln);
        } else {
            return Err(format!(
                "merge method {} is not one of -1, 0, 1",
                opts.method
            ));
        }
    } else {
        // A gap is filled with one value per missing sample, so a corrupt or
        // far-off start time would otherwise ask for an allocation bounded
        // by nothing in the input (found by tests/mseed_fuzz.rs: 24 GB).
        let total = (ln as u64)
            .saturating_add(delta.max(0) as u64)
            .saturating_add(rn as u64);
        if total > MAX_MERGED_SAMPLES {
            return Err(format!(
                "merging across a gap of {delta} samples ({:.0} s) would make {total} samples, more than the {MAX_MERGED_SAMPLES} one merged trace may hold",
                delta as f64 / sr
            ));
        }
        out.push_from(&lt, 0..ln);
        if delta > 0 {
            out.push_chunk(delta as usize, &opts.fill, int, latest, next);
        }
        out.push_from(&rt, 0..rn);
    }
    Ok(out.into_tr(lt.start_ns, sr, int))
}

/// obspy `Stream._cleanup` (method -1): joins only pieces that abut (within
/// 1 % of a sample) or overlap with identical samples; MsPASS then keeps the
/// first resulting trace.
fn cleanup_first(mut trs: Vec<Tr>) -> Tr {
    let mut it = trs.drain(..);
    let mut cur = it.next().expect("at least one piece");
    for t in it {
        let dt = 1.0 / cur.rate;
        let expected = cur.end_s() + dt;
        let gap = t.start_ns as f64 / 1e9 - expected;
        if gap.abs() <= 0.01 * dt {
            let mut out = Out {
                data: Vec::new(),
                mask: Vec::new(),
                any_mask: false,
            };
            out.push_from(&cur, 0..cur.len());
            out.push_from(&t, 0..t.len());
            cur = out.into_tr(cur.start_ns, cur.rate, cur.int);
        } else if gap < 0.0 {
            let overlap = round_away(-gap / dt) as usize;
            let k = overlap.min(cur.len()).min(t.len());
            if same(&cur, cur.len() - k..cur.len(), &t, 0..k) {
                let mut out = Out {
                    data: Vec::new(),
                    mask: Vec::new(),
                    any_mask: false,
                };
                out.push_from(&cur, 0..cur.len());
                out.push_from(&t, k..t.len());
                cur = out.into_tr(cur.start_ns, cur.rate, cur.int);
            } else {
                break;
            }
        } else {
            break;
        }
    }
    cur
}

/// Merges the pieces of one id into one trace. Pieces with different rates
/// are an error (obspy raises there too).
pub fn merge_pieces(pieces: Vec<super::Piece>, opts: &MergeOptions) -> Result<Merged, String> {
    if pieces.is_empty() {
        return Err("nothing to merge".into());
    }
    let rate = pieces[0].rate;
    if pieces.iter().any(|p| p.rate != rate) {
        return Err(format!(
            "{}: pieces with different sampling rates cannot be merged",
            pieces[0].sid
        ));
    }
    if !(rate.is_finite() && rate > 0.0) {
        return Err(format!(
            "{}: sampling rate {rate} is not positive",
            pieces[0].sid
        ));
    }
    if !matches!(opts.method, -1..=1) {
        return Err(format!(
            "merge method {} is not one of -1, 0, 1",
            opts.method
        ));
    }
    let mut trs: Vec<Tr> = pieces
        .into_iter()
        .map(|p| Tr {
            start_ns: p.start_ns,
            rate: p.rate,
            int: p.kind == b'i',
            data: p.samples,
            mask: None,
        })
        .collect();
    trs.sort_by_key(|t| t.start_ns);
    let merged = if trs.len() == 1 {
        trs.pop().unwrap()
    } else if opts.method == -1 {
        cleanup_first(trs)
    } else {
        let mut it = trs.into_iter();
        let mut cur = it.next().unwrap();
        for t in it {
            cur = add(cur, t, opts)?;
        }
        cur
    };
    let mut gaps = Vec::new();
    if let Some(mask) = &merged.mask {
        let t0 = merged.start_ns as f64 / 1e9;
        let mut i = 0;
        while i < mask.len() {
            if mask[i] {
                let s = i;
                while i < mask.len() && mask[i] {
                    i += 1;
                }
                gaps.push((t0 + s as f64 / rate, t0 + (i - 1) as f64 / rate));
            } else {
                i += 1;
            }
        }
    }
    Ok(Merged {
        start_ns: merged.start_ns,
        rate,
        samples: merged.data,
        gaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mseed::Piece;

    fn piece(start_s: f64, n: usize) -> Piece {
        Piece {
            sid: "FDSN:XX_STA__B_H_Z".into(),
            start_ns: (start_s * 1e9) as i64,
            rate: 100.0,
            kind: b'i',
            samples: vec![1.0; n],
        }
    }

    #[test]
    fn a_gap_too_long_to_fill_is_an_error_not_an_allocation() {
        // Ten years at 100 Hz: 3.2e10 fill samples.
        let err = merge_pieces(
            vec![piece(0.0, 10), piece(3.2e8, 10)],
            &MergeOptions::default(),
        )
        .unwrap_err();
        assert!(err.contains("more than the 268435456"), "{err}");
        // A gap that fits is filled and reported.
        let m = merge_pieces(
            vec![piece(0.0, 10), piece(1.0, 10)],
            &MergeOptions::default(),
        )
        .unwrap();
        assert_eq!(m.samples.len(), 110);
        assert_eq!(m.gaps.len(), 1);
    }
}
