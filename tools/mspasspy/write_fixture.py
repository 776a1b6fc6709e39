"""Writes test/fixtures/mspasspy/: a database written by mspasspy itself.

    node tools/mspasspy/with-server.mjs /tmp/mspass-venv/bin/python tools/mspasspy/write_fixture.py

(with-server.mjs starts the project's throw-away FerretDB and passes its URI
in MSPASS_COMPAT_URI.) With mspasspy's own API it saves the input set of
cases.py (mspass_writer.py), then dumps:
- db/<collection>.jsonl: every document of every collection, canonical
  extended JSON, sorted by _id (GridFS chunks included);
- files/: the sample files and the miniSEED/StationXML/QuakeML inputs;
- expected.json: what mspasspy's read_data returns for every wf document
  (live, abortion, time base, the exact samples, every Metadata key with its
  Python type and value, elog entries);
- manifest.json: versions, and the directory the documents' `dir` names.
Never run by CI: the suite reads the dump (test/mspasspy-compat.test.ts).
"""
import importlib.metadata
import json
import os
import shutil
import sys
import tempfile

from bson import json_util
from bson.json_util import CANONICAL_JSON_OPTIONS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import input_files  # noqa: E402
import mspass_writer  # noqa: E402
from read_back import read_record  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "test", "fixtures", "mspasspy")
DB_NAME = "mspasspy_fixture"


def dump_collections(db, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    names = sorted(db.list_collection_names())
    for name in names:
        with open(os.path.join(out_dir, name + ".jsonl"), "w") as f:
            for doc in db[name].find({}).sort("_id", 1):
                f.write(json_util.dumps(doc, json_options=CANONICAL_JSON_OPTIONS, sort_keys=True) + "\n")
    return names


def main():
    from mspasspy.db.client import DBClient

    uri = os.environ["MSPASS_COMPAT_URI"]
    client = DBClient(uri)
    client.drop_database(DB_NAME)
    db = client.get_database(DB_NAME)
    files_dir = tempfile.mkdtemp(prefix="mspasspy-fixture-")
    input_files.copy_inputs(REPO, files_dir)
    input_files.write_station_inventory(files_dir, os.path.join(files_dir, "built_inventory.xml"))
    mspass_writer.write_all(db, files_dir)

    for sub in ("db", "files"):  # README.md stays
        shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    names = dump_collections(db, os.path.join(OUT, "db"))
    shutil.copytree(files_dir, os.path.join(OUT, "files"))
    reads = []
    for col in ("wf_TimeSeries", "wf_Seismogram", "wf_miniseed"):
        for doc in db[col].find({}).sort("_id", 1):
            reads.append(read_record(db, col, doc))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"reads": reads}, f, indent=1, sort_keys=True)
    manifest = {
        "mspasspy_version": importlib.metadata.version("mspasspy"),
        "obspy_version": importlib.metadata.version("obspy"),
        "pymongo_version": importlib.metadata.version("pymongo"),
        "database": DB_NAME,
        "files_dir": files_dir,
        "collections": names,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    client.drop_database(DB_NAME)
    shutil.rmtree(files_dir)
    print("wrote", OUT, "collections:", ", ".join(names), "reads:", len(reads))


if __name__ == "__main__":
    main()
