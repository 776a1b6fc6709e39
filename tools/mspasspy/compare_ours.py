"""What this package writes, set side by side with what mspasspy writes for
the same input, and read back by mspasspy.

    npm run build:ts
    node tools/mspasspy/with-server.mjs /tmp/mspass-venv/bin/python tools/mspasspy/compare_ours.py [report.md]

1. mspasspy saves the input set of cases.py into database `compat_mspasspy`
   (mspass_writer.py); this package saves the same set into `compat_ours`
   (save_ours.mjs, same steps, same input files).
2. Documents are paired per collection by what identifies them (station,
   channel, start time, data_tag, ...) and compared field by field: keys
   present on one side only, BSON types, values. Values that are unique per
   write (ObjectIds, upload dates, uuids, process ids, the file directory)
   are compared by type only.
3. mspasspy's read_data reads every wf document of ours back; its result
   (live, time base, samples, Metadata keys and types) is compared with what
   it returns for its own document.
Every difference is printed as markdown (and written to report.md if given):
docs/compatibility.md says for each whether it is mended or deliberate.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

from bson import ObjectId

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases  # noqa: E402
import input_files  # noqa: E402
import mspass_writer  # noqa: E402
from read_back import read_record  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
COLLECTIONS = [
    "wf_TimeSeries", "wf_Seismogram", "wf_miniseed", "elog", "cemetery", "abortions",
    "history_object", "history_global", "site", "channel", "source", "fs.files",
]
# Values unique to each write: compared by type only.
UNIQUE_KEYS = {"_id", "uploadDate", "save_uuid", "job_id", "process_id", "dir"}
UNIQUE_IN = {"history_global": {"time"}}


def _text(v):
    # 1230768000 and 1230768000.0 pair (a type difference is reported by the field comparison).
    return repr(float(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _t(doc, *keys):
    return tuple(_text(doc.get(k)) for k in keys)


def _tomb(doc):
    t = doc.get("tombstone", {})
    return (doc.get("data_tag"), t.get("sta"), _text(t.get("starttime")))


def _elog(doc):
    msgs = tuple(sorted(e.get("message", "") for e in doc.get("logdata", [])))
    return (doc.get("data_tag"), msgs)


PAIR_KEY = {
    "wf_TimeSeries": lambda d: _t(d, "data_tag", "net", "sta", "loc", "chan", "starttime"),
    "wf_Seismogram": lambda d: _t(d, "data_tag", "net", "sta", "loc", "chan", "starttime"),
    "wf_miniseed": lambda d: _t(d, "dfile", "net", "sta", "loc", "chan", "starttime"),
    "elog": _elog,
    "cemetery": _tomb,
    "abortions": _tomb,
    "history_object": lambda d: _t(d, "alg_name", "alg_id"),
    "history_global": lambda d: _t(d, "alg_name", "alg_id", "parameters"),
    "site": lambda d: _t(d, "net", "sta", "loc", "starttime"),
    "channel": lambda d: _t(d, "net", "sta", "loc", "chan", "starttime"),
    "source": lambda d: _t(d, "lat", "lon", "depth", "time"),
}


def type_name(v):
    if isinstance(v, bool):
        return "bool"
    return type(v).__name__  # int = int32, Int64 = int64, float = double, ...


class Report:
    def __init__(self):
        self.rows = collections.OrderedDict()

    def add(self, where, key, kind, mine, ours):
        k = (where, key, kind)
        if k not in self.rows:
            self.rows[k] = [0, mine, ours]
        self.rows[k][0] += 1

    def markdown(self):
        lines = ["| Where | Key | Difference | mspasspy | ours | Count |", "|---|---|---|---|---|---|"]
        for (where, key, kind), (n, mine, ours) in self.rows.items():
            lines.append("| %s | `%s` | %s | %s | %s | %d |" % (where, key, kind, _short(mine), _short(ours), n))
        return "\n".join(lines)


def _short(v):
    s = "" if v is None else str(v)
    s = s.replace("|", "\\|").replace("\n", " ")
    return s if len(s) <= 60 else s[:57] + "..."


def compare_values(report, where, path, a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = "%s.%s" % (path, k) if path else k
            if k not in b:
                report.add(where, p, "only in mspasspy's", "%s %s" % (type_name(a[k]), _short(a[k])), None)
            elif k not in a:
                report.add(where, p, "only in ours", None, "%s %s" % (type_name(b[k]), _short(b[k])))
            elif k == "processing_history":
                if type_name(a[k]) != type_name(b[k]):
                    report.add(where, p, "type", type_name(a[k]), type_name(b[k]))
            else:
                compare_values(report, where, p, a[k], b[k])
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            report.add(where, path, "length", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            compare_values(report, where, "%s[]" % path, x, y)
        return
    if type_name(a) != type_name(b):
        report.add(where, path, "type", "%s %s" % (type_name(a), _short(a)), "%s %s" % (type_name(b), _short(b)))
        return
    leaf = path.split(".")[-1].rstrip("[]")
    if leaf in UNIQUE_KEYS or leaf in UNIQUE_IN.get(where, ()) or isinstance(a, ObjectId):
        return
    if a != b:
        report.add(where, path, "value", a, b)


def pair(report, name, docs_a, docs_b):
    key = PAIR_KEY[name]
    by_b = collections.defaultdict(list)
    for d in docs_b:
        by_b[key(d)].append(d)
    pairs = []
    for d in docs_a:
        if by_b[key(d)]:
            pairs.append((d, by_b[key(d)].pop(0)))
        else:
            report.add(name, "(document)", "only mspasspy writes one", str(key(d)), None)
    for rest in by_b.values():
        for d in rest:
            report.add(name, "(document)", "only ours writes one", None, str(key(d)))
    return pairs


def gridfs_bytes(db, file_id):
    chunks = db["fs.chunks"].find({"files_id": file_id}).sort("n", 1)
    return b"".join(bytes(c["data"]) for c in chunks)


def compare_databases(report, db_a, db_b):
    wf_pairs = {}
    for name in COLLECTIONS:
        if name == "fs.files":
            continue
        docs_a = list(db_a[name].find({}).sort("_id", 1))
        docs_b = list(db_b[name].find({}).sort("_id", 1))
        pairs = pair(report, name, docs_a, docs_b)
        for a, b in pairs:
            compare_values(report, name, "", a, b)
        if name.startswith("wf_"):
            wf_pairs[name] = pairs
    # fs.files (and the chunk bytes) of paired GridFS documents.
    for name in ("wf_TimeSeries", "wf_Seismogram"):
        for a, b in wf_pairs.get(name, []):
            if "gridfs_id" not in a or "gridfs_id" not in b:
                continue
            fa = db_a["fs.files"].find_one({"_id": a["gridfs_id"]})
            fb = db_b["fs.files"].find_one({"_id": b["gridfs_id"]})
            if fa is None or fb is None:
                report.add("fs.files", "(document)", "missing", fa is not None, fb is not None)
                continue
            compare_values(report, "fs.files", "", fa, fb)
            if gridfs_bytes(db_a, fa["_id"]) != gridfs_bytes(db_b, fb["_id"]):
                report.add("fs.chunks", "data", "sample bytes differ", fa.get("length"), fb.get("length"))
    return wf_pairs


def compare_reads(report, db_a, db_b, wf_pairs):
    """mspasspy's read_data of ours against its read_data of its own."""
    for name, pairs in wf_pairs.items():
        for a, b in pairs:
            ra = read_record(db_a, name, a)
            rb = read_record(db_b, name, b)
            where = "read_data(%s)" % name
            for k in ("type", "live", "is_abortion", "npts", "dt", "t0", "tref", "shifted", "t0shift", "samples"):
                if ra.get(k) != rb.get(k):
                    report.add(where, k, "differs", _short(ra.get(k)), _short(rb.get(k)))
            for k in sorted(set(ra["md"]) | set(rb["md"])):
                ta = ra["md"].get(k, {}).get("type")
                tb = rb["md"].get(k, {}).get("type")
                if ta != tb:
                    report.add(where, "md." + k, "Metadata type", ta, tb)
            if [e["message"] for e in ra["elog"]] != [e["message"] for e in rb["elog"]]:
                report.add(where, "elog", "entries differ", len(ra["elog"]), len(rb["elog"]))


def main():
    from mspasspy.db.client import DBClient

    out = sys.argv[1] if len(sys.argv) > 1 else None
    uri = os.environ["MSPASS_COMPAT_URI"]
    client = DBClient(uri)
    work = tempfile.mkdtemp(prefix="mspasspy-compare-")
    try:
        files_a = os.path.join(work, "mspasspy")
        files_b = os.path.join(work, "ours")
        input_files.copy_inputs(REPO, files_a)
        input_files.write_station_inventory(files_a, os.path.join(files_a, "built_inventory.xml"))
        shutil.copytree(files_a, files_b)
        inputs_json = os.path.join(work, "inputs.json")
        with open(inputs_json, "w") as f:
            f.write(cases.to_json())
        for name in ("compat_mspasspy", "compat_ours"):
            client.drop_database(name)
        db_a = client.get_database("compat_mspasspy")
        db_b = client.get_database("compat_ours")
        mspass_writer.write_all(db_a, files_a, log=lambda *a: None)
        subprocess.run(["node", os.path.join(HERE, "save_ours.mjs"), uri, "compat_ours", files_b, inputs_json], check=True)
        report = Report()
        wf_pairs = compare_databases(report, db_a, db_b)
        compare_reads(report, db_a, db_b, wf_pairs)
        text = report.markdown()
        print(text)
        if out:
            with open(out, "w") as f:
                f.write(text + "\n")
        counts = {n: (db_a[n].count_documents({}), db_b[n].count_documents({})) for n in COLLECTIONS}
        print("\ndocuments (mspasspy, ours):", json.dumps(counts))
    finally:
        for name in ("compat_mspasspy", "compat_ours"):
            client.drop_database(name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
