"""The Python side of bench/algorithms.bench.ts: obspy's and mspasspy's
version of each processing step on the same samples (bench/out/alg-<n>.f64,
written by the TypeScript side), median milliseconds over repetitions; every
call gets a fresh copy of the input (the copy is not timed).

    python bench/algorithms_bench.py <dir of alg-<n>.f64> <n> [<n> ...]

Prints JSON {"versions": {...}, "results": {"<step> <n>": {"obspy": ms | null,
"mspasspy": ms | null, "api": "<what was called on the mspasspy side>"}}}.
For mspasspy the C++ (through pybind11) is called where MsPASS has it:
Butterworth, CosineTaper, WindowData, scale, ator/rtoa, the Seismogram
transformations, ExtractComponent, bundle_seed_data; detrend, decimate and
resample are Python in MsPASS (signals.detrend over obspy, ScipyDecimator,
ScipyResampler). null: no equivalent.
"""
import json
import os
import statistics
import sys
import time
import warnings

import numpy as np
import obspy

warnings.simplefilter("ignore")
out_dir = sys.argv[1]
sizes = [int(x) for x in sys.argv[2:]]
RATE, T0 = 100.0, 1_600_000_000.0
DT = 1.0 / RATE

import mspasspy  # noqa: E402
from mspasspy.algorithms.resample import ScipyDecimator, ScipyResampler  # noqa: E402
from mspasspy.algorithms.signals import detrend as ms_detrend  # noqa: E402
from mspasspy.ccore.algorithms.amplitudes import ScalingMethod, _scale  # noqa: E402
from mspasspy.ccore.algorithms.basic import (  # noqa: E402
    Butterworth,
    CosineTaper,
    TimeWindow,
    _bundle_seed_data,
    _ExtractComponent,
    _WindowData,
)
from mspasspy.ccore.seismic import (  # noqa: E402
    DoubleVector,
    Seismogram,
    SlownessVector,
    TimeReferenceType,
    TimeSeries,
    TimeSeriesEnsemble,
)
from mspasspy.ccore.utility import dmatrix  # noqa: E402


def timed(make, op, reps):
    times = []
    for _ in range(reps):
        x = make()
        t = time.perf_counter()
        op(x)
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def ms_ts(data):
    ts = TimeSeries(len(data))
    ts.dt = DT
    ts.t0 = T0
    ts.tref = TimeReferenceType.UTC
    ts.data = DoubleVector(data)
    ts.set_live()
    return ts


def ms_seis(rows, tmatrix=None):
    s = Seismogram(rows.shape[1])
    s.dt = DT
    s.t0 = T0
    s.tref = TimeReferenceType.UTC
    s.data = dmatrix(rows)
    if tmatrix is not None:
        s.tmatrix = np.asarray(tmatrix, dtype=float).reshape(3, 3)
    s.set_live()
    return s


def ms_channels(data):
    ens = TimeSeriesEnsemble()
    for k, (chan, hang, vang) in enumerate([("BHE", 90.0, 90.0), ("BHN", 0.0, 90.0), ("BHZ", 0.0, 0.0)]):
        ts = ms_ts(np.roll(data, k))
        ts["net"], ts["sta"], ts["loc"], ts["chan"] = "XX", "S1", "", chan
        ts.put_double("channel_hang", hang)
        ts.put_double("channel_vang", vang)
        ens.member.append(ts)
    ens.set_live()
    return ens


C, S = np.cos(0.4), np.sin(0.4)
ROT = [C, S, 0, -S, C, 0, 0, 0, 1]
UVEC = SlownessVector(0.05, 0.08)

versions = {
    "obspy": obspy.__version__,
    "numpy": np.__version__,
    "mspasspy": getattr(mspasspy, "__version__", "2.4.3"),
}
results = {}
for n in sizes:
    src = np.fromfile(os.path.join(out_dir, f"alg-{n}.f64"), dtype=np.float64)
    rows = np.vstack([src, np.roll(src, 1), np.roll(src, 2)])
    reps = 25 if n <= 100_000 else 7
    header = {"sampling_rate": RATE, "starttime": obspy.UTCDateTime(T0)}
    span = (n - 1) * DT

    def tr():
        return obspy.Trace(data=src.copy(), header=dict(header))

    def ts():
        return ms_ts(src)

    def bw(lo, hi, zerophase, f_lo=1.0, f_hi=10.0):
        f = Butterworth(zerophase, lo, hi, 4, f_lo, 4, f_hi, DT)
        return lambda d: f.apply(d)

    taper = CosineTaper(T0, T0 + 0.05 * span, T0 + 0.95 * span, T0 + span)
    steps = {
        # name: (obspy on a Trace, mspasspy maker, mspasspy op, api)
        "detrend linear": (lambda t: t.detrend("linear"), ts, lambda d: ms_detrend(d, type="linear"), "signals.detrend"),
        "detrend demean": (lambda t: t.detrend("demean"), ts, lambda d: ms_detrend(d, type="demean"), "signals.detrend"),
        "taper hann 5%": (lambda t: t.taper(0.05), ts, lambda d: taper.apply(d), "C++ CosineTaper"),
        "bandpass 1-10 Hz c4": (
            lambda t: t.filter("bandpass", freqmin=1, freqmax=10),
            ts,
            bw(True, True, False),
            "C++ Butterworth",
        ),
        "bandpass zerophase": (
            lambda t: t.filter("bandpass", freqmin=1, freqmax=10, zerophase=True),
            ts,
            bw(True, True, True),
            "C++ Butterworth",
        ),
        "lowpass 5 Hz": (lambda t: t.filter("lowpass", freq=5), ts, bw(False, True, False, f_hi=5.0), "C++ Butterworth"),
        "highpass 1 Hz": (lambda t: t.filter("highpass", freq=1), ts, bw(True, False, False), "C++ Butterworth"),
        "bandstop 5-15 Hz": (lambda t: t.filter("bandstop", freqmin=5, freqmax=15), None, None, None),
        "windowData middle half": (
            lambda t: t.trim(t.stats.starttime + 0.25 * span, t.stats.starttime + 0.75 * span),
            ts,
            lambda d: _WindowData(d, TimeWindow(T0 + 0.25 * span, T0 + 0.75 * span)),
            "C++ WindowData",
        ),
        "scale peak": (lambda t: t.normalize(), ts, lambda d: _scale(d, ScalingMethod.Peak, 1.0, TimeWindow(0.0, -1.0)), "C++ scale"),
        "scale rms": (
            lambda t: t.normalize(np.sqrt(np.mean(t.data**2))),
            ts,
            lambda d: _scale(d, ScalingMethod.RMS, 1.0, TimeWindow(0.0, -1.0)),
            "C++ scale",
        ),
        "ator+rtoa": (None, ts, lambda d: (d.ator(T0), d.rtoa()), "C++ ator/rtoa"),
        "decimate 5": (lambda t: t.decimate(5), ts, lambda d: ScipyDecimator(RATE / 5).resample(d), "ScipyDecimator"),
        "resample 50 Hz": (lambda t: t.resample(50.0), ts, lambda d: ScipyResampler(50.0).resample(d), "ScipyResampler"),
        "rotateToStandard 3C": (
            None,
            lambda: ms_seis(rows, ROT),
            lambda d: d.rotate_to_standard(),
            "C++ rotate_to_standard",
        ),
        "freeSurfaceTransformation 3C": (
            None,
            lambda: ms_seis(rows),
            lambda d: d.free_surface_transformation(UVEC, 6.0, 3.5),
            "C++ free_surface_transformation",
        ),
        "extractComponent 3C": (None, lambda: ms_seis(rows), lambda d: _ExtractComponent(d, 2), "C++ ExtractComponent"),
        "bundleSeedData 3×1C": (None, lambda: ms_channels(src), lambda e: _bundle_seed_data(e), "C++ bundle_seed_data"),
    }
    for name, (ob, make, op, api) in steps.items():
        r = {"obspy": None, "mspasspy": None, "api": api}
        if ob is not None:
            r["obspy"] = timed(tr, ob, reps)
        if op is not None:
            r["mspasspy"] = timed(make, op, reps)
        results[f"{name} {n}"] = r

json.dump({"versions": versions, "results": results}, sys.stdout)
