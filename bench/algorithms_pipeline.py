"""The MsPASS side of bench/algorithms-pipeline.bench.ts: one round of the
processing pipeline through the real mspasspy (2.4.x) on a dask LocalCluster
of 2 processes x 1 thread:

    read_distributed_data(db, query) -> detrend (linear) -> cosine taper (5 %)
    -> bandpass 1-10 Hz (4 poles each side) -> WindowData [t0 + 10 s, t0 + 90 s]
    -> write_distributed_data (file storage)

    python bench/algorithms_pipeline.py '{"uri": ..., "db": ..., "query": ..., ...}'

Each step is MsPASS's fastest: the C++ CosineTaper, Butterworth and
WindowData through pybind11; detrend is mspasspy.algorithms.signals.detrend
(MsPASS has no C++ detrend). The cluster is started before the clock and
closed after it. Prints one JSON line: {"seconds": ..., "n": <data written>}.
"""
import json
import os
import sys
import time

import cloudpickle

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mspasspy_e2e  # noqa: E402  (the client shim MongoDBWorker needs)

# The dask workers do not have bench/ on their path: ship the shim by value.
cloudpickle.register_pickle_by_value(mspasspy_e2e)

TAPER = 0.05
_butterworth = {}


def process(d, outdir):
    from mspasspy.algorithms.signals import detrend
    from mspasspy.ccore.algorithms.basic import Butterworth, CosineTaper, TimeWindow, _WindowData

    if d.dead():
        return d
    d = detrend(d, type="linear")
    span = (d.npts - 1) * d.dt
    CosineTaper(d.t0, d.t0 + TAPER * span, d.endtime() - TAPER * span, d.endtime()).apply(d)
    f = _butterworth.get(d.dt)
    if f is None:
        f = _butterworth[d.dt] = Butterworth(False, True, True, 4, 1.0, 4, 10.0, d.dt)
    f.apply(d)
    d = _WindowData(d, TimeWindow(d.t0 + 10.0, d.t0 + 90.0))
    d["dir"] = outdir
    return d


def main():
    spec = json.loads(sys.argv[1])
    from dask.distributed import Client as DaskClient, LocalCluster
    from mspasspy.db.client import DBClient
    from mspasspy.db.database import Database
    from mspasspy.io.distributed import read_distributed_data, write_distributed_data
    from mspasspy.util.db_utils import MongoDBWorker

    client = DBClient(spec["uri"])
    db = Database(client, spec["db"])
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    dask_client = DaskClient(cluster)
    client._mspass_db_host = spec["uri"]
    dask_client.register_plugin(MongoDBWorker(mspasspy_e2e._ClientShim(client)), name="mongodb_worker")
    try:
        t0 = time.perf_counter()
        bag = read_distributed_data(db, query=spec["query"], npartitions=spec["npartitions"])
        bag = bag.map(process, spec["outdir"])
        ids = write_distributed_data(bag, db, storage_mode="file", data_tag=spec["out_tag"])
        seconds = time.perf_counter() - t0
    finally:
        dask_client.close()
        cluster.close()
    print(json.dumps({"seconds": seconds, "n": len([i for i in ids if i is not None])}))


if __name__ == "__main__":
    main()
