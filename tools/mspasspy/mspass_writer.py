"""Saves the input set of cases.py with mspasspy's own API into one database.

Used by write_fixture.py (the fixture the suite reads) and compare_ours.py
(the reference documents ours are compared with). Needs mspasspy (the
virtualenv /tmp/mspass-venv); never run by CI.
"""
import os

import numpy as np
from bson import ObjectId

from mspasspy.ccore.seismic import (
    DoubleVector,
    Seismogram,
    SeismogramEnsemble,
    TimeReferenceType,
    TimeSeries,
    TimeSeriesEnsemble,
)
from mspasspy.ccore.utility import AtomicType, dmatrix, ErrorSeverity

import cases

SEVERITY = {s: getattr(ErrorSeverity, s) for s in ("Fatal", "Invalid", "Complaint", "Debug", "Informational")}


def build(case):
    """An mspasspy TimeSeries / Seismogram from a case of cases.py."""
    values = np.array(cases.samples_of(case), dtype=np.float64)
    n = case["npts"]
    if case["type"] == "TimeSeries":
        d = TimeSeries()
        d.set_npts(n)
        d.data = DoubleVector(values)
        atomic = AtomicType.TIMESERIES
    else:
        d = Seismogram()
        d.set_npts(n)
        d.data = dmatrix(values.reshape(3, n))
        d.tmatrix = np.array(case["tmatrix"], dtype=np.float64).reshape(3, 3)
        atomic = AtomicType.SEISMOGRAM
    d.dt = case["dt"]
    d.tref = TimeReferenceType.UTC if case["tref"] == "UTC" else TimeReferenceType.Relative
    d.t0 = case["t0"]
    for k, v in case["md"].items():
        d[k] = v
    d.set_live()
    d.set_as_origin("compat", "0", case["name"], atomic)
    if case["shift"] is not None:
        d.ator(case["shift"])
    for e in case["elog"]:
        d.elog.log_error(e["algorithm"], e["message"], SEVERITY[e["badness"]])
    if case["dead"]:
        d.kill()
    return d


def build_ensemble(spec):
    ens = TimeSeriesEnsemble() if spec["type"] == "TimeSeriesEnsemble" else SeismogramEnsemble()
    for m in spec["members"]:
        ens.member.append(build(m))
    for k, v in spec["md"].items():
        ens[k] = v
    ens.set_live()
    return ens


def write_all(db, files_dir, log=print):
    """Everything of cases.py, saved by mspasspy into `db`; sample files go to `files_dir`."""
    import obspy
    from mspasspy.algorithms.signals import detrend
    from mspasspy.db.normalize import MiniseedMatcher, bulk_normalize, normalize_mseed
    from mspasspy.global_history.manager import GlobalHistoryManager

    spec = cases.inputs()
    ids = {}
    for case in spec["atomic"]:
        d = build(case)
        save = dict(case["save"])
        if save.get("storage_mode") == "file":
            save["dir"] = files_dir
        r = db.save_data(d, **save)
        ids[case["name"]] = r.get("_id") if isinstance(r, dict) else None
        log("saved", case["name"], ids[case["name"]])
    for ens_spec in spec["ensembles"]:
        ens = build_ensemble(ens_spec)
        db.save_data(ens, dir=files_dir, **ens_spec["save"])
        log("saved ensemble", ens_spec["name"])

    # A broken document: read_data gives an abortion, save_data buries it in abortions.
    broken_id = db.wf_TimeSeries.insert_one(dict(spec["broken_document"])).inserted_id
    dead = db.read_data(broken_id, collection="wf_TimeSeries")
    log("broken read: live", dead.live)
    db.save_data(dead)

    # Object history: read, process with history, save with the history.
    d = db.read_data(ids["ts_for_history"], collection="wf_TimeSeries", load_history=True)
    d = detrend(d, object_history=True, alg_id="1")
    db.save_data(d, save_history=True, data_tag="history", alg_id="2")
    # Global history. MsPASS's manager first creates a text index, which FerretDB v1 does not implement:
    # the logging call (the document it writes) is mspasspy's own, the index is skipped on such servers.
    try:
        manager = GlobalHistoryManager(db, "compat_job")
    except Exception as err:  # pymongo OperationFailure on FerretDB
        log("GlobalHistoryManager index skipped:", type(err).__name__)
        manager = GlobalHistoryManager.__new__(GlobalHistoryManager)
        manager.job_name = "compat_job"
        manager.job_id = ObjectId()
        manager.history_db = db
        manager.collection = "history_global"
    manager.logging("1", "detrend", "type=simple")

    # update_metadata / update_data.
    d = db.read_data(ids["ts_for_update_metadata"], collection="wf_TimeSeries")
    for k, v in spec["edit_metadata"].items():
        d[k] = v
    db.update_metadata(d)
    d = db.read_data(ids["ts_for_update_data"], collection="wf_TimeSeries")
    d.data = DoubleVector(np.array(d.data) * spec["edit_data_scale"])
    db.update_data(d)

    # Station and event metadata.
    db.save_inventory(obspy.read_inventory(os.path.join(files_dir, "built_inventory.xml")))
    db.save_inventory(obspy.read_inventory(os.path.join(files_dir, spec["stationxml"])))
    db.save_catalog(obspy.read_events(os.path.join(files_dir, spec["quakeml"])))

    # miniSEED: index, normalize, read, save back (GridFS).
    for name in spec["mseed_files"]:
        db.index_mseed_file(name, files_dir)
    log("normalize_mseed", normalize_mseed(db))
    for doc in db.wf_miniseed.find({}).sort("_id", 1):
        d = db.read_data(doc, collection="wf_miniseed")
        db.save_data(d, collection="wf_TimeSeries", data_tag="from_mseed")
    log(
        "bulk_normalize",
        bulk_normalize(db, wfquery={"data_tag": "from_mseed"}, wf_col="wf_TimeSeries",
                       matcher_list=[MiniseedMatcher(db, attributes_to_load=["_id", "lat", "lon", "elev", "starttime", "endtime"])]),
    )
    return ids
