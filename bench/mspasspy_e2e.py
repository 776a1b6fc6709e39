"""The MsPASS side of bench/e2e.bench.ts: one round of a workload through the
real mspasspy (2.4.x) on a dask LocalCluster of 2 processes x 1 thread.

    python bench/mspasspy_e2e.py '{"uri": ..., "db": ..., "workload": "atomic", ...}'

Prints one JSON line: {"seconds": <pipeline wall time>, "n": <data written>}.
The cluster is started before the clock and closed after it, so the figure is
the pipeline alone, as on the mspass side (its scheduler is started before).

Workloads (the spec's "workload"):
- "atomic": read_distributed_data(db, query) -> map(demean) -> write_distributed_data
- "ensembles": read_distributed_data(list of queries) -> map(demean members) -> write (ensembles)
- "serial": the tutorial loop read_data(doc) -> demean -> save_data, one datum at a time, no dask
- "mseed": index_mseed_file of each file (a dask bag, index_mseed_file_parallel, as MsPASS's
  tutorial) -> bulk_normalize with a MiniseedMatcher on channel -> read_distributed_data of
  one query per file ({"dfile": name}) on wf_miniseed, each ensemble's live members counted
"""
import json
import sys
import time

import numpy as np


def demean_atomic(d, outdir):
    if d.live:
        x = np.asarray(d.data)  # a view of the samples (DoubleVector's buffer)
        x -= x.mean()
    if outdir is not None:
        d["dir"] = outdir
    return d


def demean_ensemble(e, outdir):
    for d in e.member:
        demean_atomic(d, outdir)
    if outdir is not None:
        e["dir"] = outdir  # an ensemble's file goes where its Metadata says, else the working directory
    return e


def live_members(e):
    return sum(1 for d in e.member if d.live)


def run_mseed(spec, db):
    """The miniSEED workload on the running dask client; returns (seconds, live members read, stage seconds)."""
    import dask.bag
    from mspasspy.db.database import index_mseed_file_parallel
    from mspasspy.db.normalize import MiniseedMatcher, bulk_normalize
    from mspasspy.io.distributed import read_distributed_data

    files, where = spec["files"], spec["dir"]
    t0 = time.perf_counter()
    errors = (
        dask.bag.from_sequence(files, npartitions=len(files))
        .map(lambda f: index_mseed_file_parallel(db, f, dir=where))
        .compute()
    )
    if any(e is not None for e in errors):
        raise RuntimeError("index_mseed_file failed: %s" % [e for e in errors if e is not None][:3])
    t1 = time.perf_counter()
    matcher = MiniseedMatcher(db, attributes_to_load=["starttime", "endtime", "_id"])
    ndocs, hits = bulk_normalize(db, matcher_list=[matcher])
    if hits != ndocs:
        raise RuntimeError("bulk_normalize matched %d of %d documents" % (hits, ndocs))
    t2 = time.perf_counter()
    bag = read_distributed_data([{"dfile": f} for f in files], db=db, collection="wf_miniseed")
    n = sum(bag.map(live_members).compute())
    t3 = time.perf_counter()
    return t3 - t0, n, {"indexS": t1 - t0, "normalizeS": t2 - t1, "readS": t3 - t2}


class _ClientShim:
    """What MongoDBWorker asks of an mspasspy Client: its DBClient."""

    def __init__(self, dbclient):
        self.dbclient = dbclient

    def get_database_client(self):
        return self.dbclient


def main():
    spec = json.loads(sys.argv[1])
    from mspasspy.db.client import DBClient
    from mspasspy.db.database import Database

    client = DBClient(spec["uri"])
    db = Database(client, spec["db"])
    storage = spec["storage_mode"]
    outdir = spec.get("outdir") if storage == "file" else None
    collection = spec.get("collection", "wf_TimeSeries")

    if spec["workload"] == "serial":
        t0 = time.perf_counter()
        n = 0
        docs = db[collection].find(spec["query"])
        for doc in docs:
            d = db.read_data(doc, collection=collection)
            demean_atomic(d, outdir)
            kw = {"dir": outdir, "dfile": "serial-out"} if storage == "file" else {}
            db.save_data(d, collection=collection, storage_mode=storage, data_tag=spec["out_tag"], **kw)
            n += 1
        print(json.dumps({"seconds": time.perf_counter() - t0, "n": n}))
        return

    from dask.distributed import Client as DaskClient, LocalCluster
    from mspasspy.io.distributed import read_distributed_data, write_distributed_data

    from mspasspy.util.db_utils import MongoDBWorker

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    dask_client = DaskClient(cluster)
    # As mspasspy's Client does: one DBClient per dask worker, for fetch_dbhandle.
    client._mspass_db_host = spec["uri"]
    dask_client.register_plugin(MongoDBWorker(_ClientShim(client)), name="mongodb_worker")
    try:
        if spec["workload"] == "mseed":
            seconds, n, stages = run_mseed(spec, db)
            print(json.dumps({"seconds": seconds, "n": n, "stages": stages}))
            return
        t0 = time.perf_counter()
        if spec["workload"] == "atomic":
            bag = read_distributed_data(db, query=spec["query"], collection=collection, npartitions=spec["npartitions"])
            bag = bag.map(demean_atomic, outdir)
            ids = write_distributed_data(bag, db, collection=collection, storage_mode=storage, data_tag=spec["out_tag"])
            n = len(ids)
        else:
            bag = read_distributed_data(spec["queries"], db=db, collection=collection, npartitions=spec["npartitions"])
            bag = bag.map(demean_ensemble, outdir)
            ids = write_distributed_data(
                bag, db, data_are_atomic=False, collection=collection, storage_mode=storage, data_tag=spec["out_tag"]
            )
            n = sum(len(x) for x in ids)
        seconds = time.perf_counter() - t0
    finally:
        dask_client.close()
        cluster.close()
    print(json.dumps({"seconds": seconds, "n": n}))


if __name__ == "__main__":
    main()
