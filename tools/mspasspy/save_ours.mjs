#!/usr/bin/env node
/**
 * Saves the input set of cases.py with THIS package's API, step for step as
 * mspass_writer.py does with mspasspy's, so that compare_ours.py can set the
 * documents side by side. Run by compare_ours.py (needs `npm run build:ts`):
 *
 *   node tools/mspasspy/save_ours.mjs <mongodb-uri> <database> <files-dir> <inputs.json>
 *
 * The miniSEED, StationXML (incl. built_inventory.xml) and QuakeML inputs are
 * read from <files-dir>, where the sample files of file mode also go.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  Client,
  GlobalHistoryManager,
  MiniseedMatcher,
  Seismogram,
  SeismogramEnsemble,
  TimeSeries,
  TimeSeriesEnsemble,
  applyBsonTypes,
  bulkNormalize,
  normalizeMseed,
} from "../../dist/index.js";

const [uri, dbName, filesDir, inputsPath] = process.argv.slice(2);
if (inputsPath === undefined) {
  console.error(
    "usage: node tools/mspasspy/save_ours.mjs <mongodb-uri> <database> <files-dir> <inputs.json>",
  );
  process.exit(2);
}
const spec = JSON.parse(readFileSync(inputsPath, "utf8"));

function samplesOf(c) {
  const raw = Buffer.from(c.samples, "base64");
  return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** A TimeSeries / Seismogram from a case of cases.py, as mspass_writer.build makes it. */
function build(c) {
  const options = { npts: c.npts, dt: c.dt, t0: c.t0, tref: c.tref, data: samplesOf(c), metadata: c.md };
  const d =
    c.type === "TimeSeries" ? new TimeSeries(options) : new Seismogram({ ...options, tmatrix: c.tmatrix });
  d.history.setAsOrigin("compat", "0", c.type, { uuid: c.name });
  if (c.shift !== null) d.ator(c.shift);
  for (const e of c.elog) d.elog.log(e.algorithm, e.message, e.badness);
  if (c.dead) d.kill();
  return d;
}

/** obspy's detrend(type="simple"), in numpy's order of operations (mspasspy's detrend runs it). */
function detrendSimple(d) {
  const x = d.data;
  const n = x.length;
  const x1 = x[0];
  const x2 = x[n - 1];
  for (let i = 0; i < n; i++) x[i] = x[i] - (x1 + (i * (x2 - x1)) / (n - 1));
}

const client = await Client.connect({
  databaseHost: uri,
  scheduler: "local",
  nworkers: 1,
  dashboardPort: false,
});
try {
  const db = client.getDatabase(dbName);
  const ids = {};
  for (const c of spec.atomic) {
    const save = {};
    if (c.save.storage_mode !== undefined) save.storageMode = c.save.storage_mode;
    if (c.save.dfile !== undefined) save.dfile = c.save.dfile;
    if (c.save.data_tag !== undefined) save.dataTag = c.save.data_tag;
    if (save.storageMode === "file") save.dir = filesDir;
    const r = await db.saveData(build(c), save);
    ids[c.name] = r._id;
  }
  for (const e of spec.ensembles) {
    const members = e.members.map(build);
    const ens =
      e.type === "TimeSeriesEnsemble"
        ? new TimeSeriesEnsemble(members, e.md)
        : new SeismogramEnsemble(members, e.md);
    await db.saveData(ens, { storageMode: e.save.storage_mode, dfile: e.save.dfile, dir: filesDir });
  }

  // A broken document: an abortion, buried in abortions. (Typed by the schema: pymongo stores Python floats as doubles.)
  const broken = await db
    .collection("wf_TimeSeries")
    .insertOne(applyBsonTypes(spec.broken_document, "wf_TimeSeries"));
  await db.saveData(await db.readData(broken.insertedId, { collection: "wf_TimeSeries" }));

  // Object history: read, process (a node in the history), save with the history.
  const h = await db.readData(ids.ts_for_history, { collection: "wf_TimeSeries", loadHistory: true });
  detrendSimple(h);
  h.history.addNode("detrend", "1", "TimeSeries");
  await db.saveData(h, { saveHistory: true, dataTag: "history", algId: "2" });
  const manager = new GlobalHistoryManager(db, "compat_job");
  await manager.logging("detrend", "1", "type=simple");

  // updateMetadata / updateData.
  const m = await db.readData(ids.ts_for_update_metadata, { collection: "wf_TimeSeries" });
  for (const [k, v] of Object.entries(spec.edit_metadata)) m.md.put(k, v);
  await db.updateMetadata(m);
  const u = await db.readData(ids.ts_for_update_data, { collection: "wf_TimeSeries" });
  u.data = u.data.map((v) => v * spec.edit_data_scale);
  await db.updateData(u);

  // Station and event metadata.
  await db.saveInventory(path.join(filesDir, "built_inventory.xml"));
  await db.saveInventory(path.join(filesDir, spec.stationxml));
  await db.saveCatalog(path.join(filesDir, spec.quakeml));

  // miniSEED: index, normalize, read, save back (GridFS).
  for (const name of spec.mseed_files) await db.indexMseedFile(path.join(filesDir, name));
  await normalizeMseed(db);
  for await (const doc of db.collection("wf_miniseed").find({}).sort({ _id: 1 })) {
    const d = await db.readData(doc, { collection: "wf_miniseed" });
    await db.saveData(d, { collection: "wf_TimeSeries", dataTag: "from_mseed" });
  }
  await bulkNormalize(db, {
    wfquery: { data_tag: "from_mseed" },
    wfCol: "wf_TimeSeries",
    matcherList: [
      new MiniseedMatcher(db, "channel", {
        attributesToLoad: ["_id", "lat", "lon", "elev", "starttime", "endtime"],
      }),
    ],
  });
} finally {
  await client.close();
}
