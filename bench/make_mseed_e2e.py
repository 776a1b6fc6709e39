"""Input of the miniSEED workload of bench/e2e.bench.ts, written with obspy.

    python bench/make_mseed_e2e.py '{"dir": ..., "files": 50, "traces": 40, "npts": 10000,
                                     "stations": 250, "chans": ["BHZ", "BHN"], "epoch_split": 1.6e9}'

File f holds `traces` channels, one segment each (Steim2, 4096-byte records, int32
random walks): stations f*traces/2 ... (mod `stations`) x `chans`, network XX, empty
location code, starting in the first channel epoch (before `epoch_split`) for even f
and in the second for odd f, so every segment matches exactly one of the
stations x chans x 2 channel epochs. Prints one JSON line: {"files": [names], "bytes": total}.
"""
import json
import os
import sys

import numpy as np
from obspy import Stream, Trace, UTCDateTime


def main():
    spec = json.loads(sys.argv[1])
    os.makedirs(spec["dir"], exist_ok=True)
    rng = np.random.default_rng(21)
    chans = spec["chans"]
    per_file = spec["traces"] // len(chans)
    names, total = [], 0
    for f in range(spec["files"]):
        t0 = (spec["epoch_split"] - 5.0e7 if f % 2 == 0 else spec["epoch_split"] + 1.0e8) + f * 3600
        traces = []
        for j in range(per_file):
            sta = "S%03d" % ((f * per_file + j) % spec["stations"])
            for chan in chans:
                data = np.cumsum(rng.integers(-200, 201, spec["npts"])).astype(np.int32)
                header = {"network": "XX", "station": sta, "location": "", "channel": chan,
                          "sampling_rate": 40.0, "starttime": UTCDateTime(t0)}
                traces.append(Trace(data=data, header=header))
        name = "event-%03d.mseed" % f
        path = os.path.join(spec["dir"], name)
        Stream(traces).write(path, format="MSEED", encoding="STEIM2", reclen=4096)
        names.append(name)
        total += os.path.getsize(path)
    print(json.dumps({"files": names, "bytes": total}))


if __name__ == "__main__":
    main()
