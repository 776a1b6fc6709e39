"""mspasspy's own serialization of the ensemble that bench/codec.bench.ts sends:
a TimeSeriesEnsemble of 1,000 TimeSeries of 10,000 samples with 20 Metadata keys
each, pickle.dumps + pickle.loads twice (there and back, as dask would between
the client and a worker), median of 7 after one warm-up. Run in the mspasspy
virtualenv:  /tmp/mspass-venv/bin/python bench/codec_pickle.py
"""
import pickle
import statistics
import time

import numpy as np
from mspasspy.ccore.seismic import DoubleVector, TimeSeries, TimeSeriesEnsemble

MEMBERS = 1000
NPTS = 10_000


def member(i):
    ts = TimeSeries(NPTS)
    ts.set_dt(0.01)
    ts.set_t0(float(i))
    ts.set_live()
    ts.data = DoubleVector((np.arange(NPTS) % 97 - i).astype(np.float64))
    for k in range(17):
        v = f"value{k}-{i}" if k % 3 == 0 else (k * 1.5 + i if k % 3 == 1 else k + i)
        ts[f"key{k}"] = v
    return ts


ens = TimeSeriesEnsemble(MEMBERS)
for i in range(MEMBERS):
    ens.member.append(member(i))
ens["evid"] = 1
ens.set_live()


def round_trip():
    there = pickle.loads(pickle.dumps(ens, protocol=pickle.HIGHEST_PROTOCOL))
    back = pickle.loads(pickle.dumps(there, protocol=pickle.HIGHEST_PROTOCOL))
    assert len(back.member) == MEMBERS


round_trip()
times = []
for _ in range(7):
    t = time.perf_counter()
    round_trip()
    times.append((time.perf_counter() - t) * 1000)
size = len(pickle.dumps(ens, protocol=pickle.HIGHEST_PROTOCOL))
print(f"mspasspy pickle round trip (dumps+loads ×2): median {statistics.median(times):.1f} ms over 7; pickle size {size / 1e6:.1f} MB")
