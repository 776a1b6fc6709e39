"""What mspasspy's read_data returns for one wf document, as plain JSON:
live / abortion, time base, the exact samples (base64 float64 little-endian;
a Seismogram's 3 x npts row-major), every Metadata key with its Python type
name and value (canonical extended JSON), and the elog entries."""
import base64
import json

import numpy as np
from bson import json_util
from bson.json_util import CANONICAL_JSON_OPTIONS

from mspasspy.ccore.seismic import Seismogram, TimeReferenceType


def _value(v):
    return json.loads(json_util.dumps({"v": v}, json_options=CANONICAL_JSON_OPTIONS))["v"]


def read_record(db, collection, doc):
    d = db.read_data(doc, collection=collection)
    rec = {
        "collection": collection,
        "_id": str(doc["_id"]),
        "type": type(d).__name__,
        "live": bool(d.live),
        "is_abortion": bool(d["is_abortion"]) if d.is_defined("is_abortion") else False,
        "elog": [
            {"algorithm": e.algorithm, "badness": str(e.badness), "message": e.message}
            for e in d.elog.get_error_log()
        ],
    }
    if d.live:
        rec["npts"] = d.npts
        rec["dt"] = d.dt
        rec["t0"] = d.t0
        rec["tref"] = "UTC" if d.tref == TimeReferenceType.UTC else "Relative"
        rec["shifted"] = bool(d.shifted())
        if d.shifted():
            rec["t0shift"] = d.time_reference()
        data = np.array(d.data, dtype=np.float64)
        if isinstance(d, Seismogram):
            data = data.reshape(3, d.npts)
        rec["samples"] = base64.b64encode(data.astype("<f8").tobytes(order="C")).decode("ascii")
    md = {}
    for k in d.keys():
        v = d[k]
        md[k] = {"type": type(v).__name__, "value": _value(v)}
    rec["md"] = md
    return rec
