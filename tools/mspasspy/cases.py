"""The input set both writers save: pure data (no mspasspy), so that
mspasspy (mspass_writer.py) and this package (save_ours.mjs) save exactly the
same objects. `inputs()` returns it; `to_json()` is the form handed to Node.

Every datum is described by: type, Metadata, time base (t0, dt, tref, an
optional shift), samples (float64, base64 little-endian; a Seismogram's are
3 x npts row-major), a Seismogram's transformation matrix, elog entries and
whether it is dead. Samples are a deterministic function of the case name.
"""
import base64
import json
import struct

# miniSEED fixtures indexed by both writers (copied next to the sample files).
MSEED_FILES = [
    "BW.BGLD.__.EHE.D.2008.001.first_10_records",
    "two_channels.mseed",
    "steim2.mseed",
    "fullseed.mseed",
]
STATIONXML_FILE = "F1_423_small.xml"
QUAKEML_FILE = "usgs_event.xml"

T0 = 1230768000.0  # 2009-01-01T00:00:00Z


def _samples(seed, n):
    # Values with full float64 mantissas, the same on every machine: only +, - and * (IEEE exact
    # rounding), no libm function whose last bit could differ between platforms.
    out = []
    x = (seed % 97 + 1) / 101.0
    for i in range(n):
        x = (x * 3.9 * (1.0 - x)) if 0.0 < x < 1.0 else 0.37
        out.append((x - 0.5) * (i % 17 + 1))
    return out


def _b64(values):
    return base64.b64encode(struct.pack("<%dd" % len(values), *values)).decode("ascii")


def _ts(name, n, md, t0=T0, dt=0.025, tref="UTC", shift=None, elog=None, dead=False, seed=1):
    return {
        "name": name,
        "type": "TimeSeries",
        "md": md,
        "t0": t0,
        "dt": dt,
        "npts": n,
        "tref": tref,
        "shift": shift,
        "samples": _b64(_samples(seed, n)),
        "elog": elog or [],
        "dead": dead,
    }


def _seis(name, n, md, tmatrix, t0=T0, dt=0.05, seed=2, elog=None, dead=False):
    return {
        "name": name,
        "type": "Seismogram",
        "md": md,
        "t0": t0,
        "dt": dt,
        "npts": n,
        "tref": "UTC",
        "shift": None,
        "samples": _b64(_samples(seed, 3 * n)),
        "tmatrix": tmatrix,
        "elog": elog or [],
        "dead": dead,
    }


ROT = [0.6, -0.8, 0.0, 0.8, 0.6, 0.0, 0.0, 0.0, 1.0]  # 9 numbers, row-major


def _md(sta, chan, **extra):
    md = {"net": "XX", "sta": sta, "chan": chan, "loc": "00", "calib": 1.5, "count": 7, "flag": True, "note": "hello"}
    md.update(extra)
    return md


def inputs():
    """name → what to save and how ("save": the save_data keywords both writers use)."""
    atomic = [
        (_ts("ts_gridfs_utc", 300, _md("ST01", "BHZ"), seed=3), {"storage_mode": "gridfs"}),
        (_ts("ts_gridfs_relative", 200, _md("ST02", "BHN"), t0=-5.0, tref="Relative", seed=4), {"storage_mode": "gridfs"}),
        # UTC data shifted to relative time (ator): MsPASS saves starttime_shift.
        (_ts("ts_gridfs_shifted", 250, _md("ST03", "BHE"), t0=T0, shift=T0 - 10.0, seed=5), {"storage_mode": "gridfs"}),
        (_seis("seis_gridfs", 220, _md("ST04", "BH3"), ROT, seed=6), {"storage_mode": "gridfs"}),
        (_ts("ts_file", 180, _md("ST05", "HHZ"), seed=7), {"storage_mode": "file", "dfile": "ts_single.bin"}),
        (_seis("seis_file", 150, _md("ST06", "HH3"), ROT, seed=8), {"storage_mode": "file", "dfile": "seis_single.bin"}),
        (
            _ts(
                "ts_elog_live",
                120,
                _md("ST07", "BHZ"),
                seed=9,
                elog=[{"algorithm": "compat_case", "message": "a warning kept with live data", "badness": "Complaint"}],
            ),
            {"storage_mode": "gridfs"},
        ),
        (
            _ts(
                "ts_dead",
                100,
                _md("ST08", "BHZ"),
                seed=10,
                dead=True,
                elog=[{"algorithm": "compat_case", "message": "killed on purpose", "badness": "Invalid"}],
            ),
            {"storage_mode": "gridfs"},
        ),
        (_ts("ts_for_update_metadata", 90, _md("ST09", "BHZ"), seed=11), {"storage_mode": "gridfs", "data_tag": "edit_md"}),
        (_ts("ts_for_update_data", 80, _md("ST10", "BHZ"), seed=12), {"storage_mode": "gridfs", "data_tag": "edit_data"}),
        (_ts("ts_for_history", 140, _md("ST11", "BHZ"), seed=13), {"storage_mode": "gridfs", "data_tag": "history_src"}),
    ]
    ensembles = [
        {
            "name": "ts_ensemble_file",
            "type": "TimeSeriesEnsemble",
            "md": {"ensemble_note": "ts ensemble"},
            "members": [_ts("ts_ens_%d" % i, 60 + 10 * i, _md("EN%02d" % i, "BHZ"), seed=20 + i) for i in range(3)],
            "save": {"storage_mode": "file", "dfile": "ts_ensemble.bin"},
        },
        {
            "name": "seis_ensemble_file",
            "type": "SeismogramEnsemble",
            "md": {"ensemble_note": "seis ensemble"},
            "members": [_seis("seis_ens_%d" % i, 50 + 10 * i, _md("ES%02d" % i, "BH3"), ROT, seed=30 + i) for i in range(2)],
            "save": {"storage_mode": "file", "dfile": "seis_ensemble.bin"},
        },
    ]
    return {
        "atomic": [dict(c, save=s) for c, s in atomic],
        "ensembles": ensembles,
        "mseed_files": MSEED_FILES,
        "stationxml": STATIONXML_FILE,
        "quakeml": QUAKEML_FILE,
        # A broken wf_TimeSeries document (unknown storage_mode): read_data gives an abortion.
        "broken_document": {
            "npts": 10,
            "delta": 0.1,
            "starttime": T0,
            "storage_mode": "no_such_mode",
            "net": "XX",
            "sta": "BRK",
            "chan": "BHZ",
        },
        # update_metadata / update_data edits.
        "edit_metadata": {"note": "edited", "added_int": 42, "added_float": 2.25},
        "edit_data_scale": 2.0,
    }


def samples_of(case):
    raw = base64.b64decode(case["samples"])
    return list(struct.unpack("<%dd" % (len(raw) // 8), raw))


def to_json():
    return json.dumps(inputs(), indent=1)


if __name__ == "__main__":
    print(to_json())
