/**
 * A database written by mspasspy itself (test/fixtures/mspasspy, made by
 * tools/mspasspy/write_fixture.py with the real mspasspy; see its README),
 * loaded into the suite's server and read back through this package:
 * every sample exact, every Metadata key with the type and value mspasspy's
 * read_data returned, dead data where MsPASS buries them, histories
 * loadable, ensembles, miniSEED segments, station and event metadata.
 *
 * The documents are inserted exactly as dumped (canonical extended JSON keeps
 * int32/int64/double apart). Only `dir` changes: the sample files were
 * written by mspasspy in a temporary directory (manifest.files_dir) that
 * does not exist here, so they are copied into this run's directory and the
 * wf documents' `dir` rewritten to it — what a user moving MsPASS files does.
 */
import { cpSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BSON, ObjectId, type Document } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { Seismogram, TimeSeries, TimeSeriesEnsemble, type Metadata } from "mspass";
import { useTestDatabase } from "./helpers.js";

const FIXTURE = new URL("./fixtures/mspasspy/", import.meta.url).pathname;

interface MdEntry {
  type: string;
  value: unknown;
}
interface ReadRecord {
  collection: string;
  _id: string;
  type: "TimeSeries" | "Seismogram";
  live: boolean;
  is_abortion: boolean;
  elog: { algorithm: string; badness: string; message: string }[];
  npts?: number;
  dt?: number;
  t0?: number;
  tref?: "UTC" | "Relative";
  shifted?: boolean;
  t0shift?: number;
  samples?: string;
  md: Record<string, MdEntry>;
}

const manifest = JSON.parse(readFileSync(join(FIXTURE, "manifest.json"), "utf8")) as {
  mspasspy_version: string;
  files_dir: string;
  collections: string[];
};
const expected = (JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as { reads: ReadRecord[] })
  .reads;

/**
 * Keys mspasspy's read_data puts in every datum's Metadata that this package
 * keeps elsewhere: `is_abortion` is the datum's `isAbortion` property (see
 * docs/compatibility.md, "abortions and cemetery documents"); a document
 * that stores one (mspasspy saves it back with data it read) keeps it as a
 * plain key, with the same value.
 */
const KEPT_AS_PROPERTIES = new Set(["is_abortion"]);

const t = await useTestDatabase("mspasspy_compat");

function dump(collection: string): Document[] {
  const text = readFileSync(join(FIXTURE, "db", `${collection}.jsonl`), "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => BSON.EJSON.parse(l, { relaxed: false }) as Document);
}

beforeAll(async () => {
  for (const f of readdirSync(join(FIXTURE, "files"))) cpSync(join(FIXTURE, "files", f), join(t.dir, f));
  for (const name of manifest.collections) {
    const docs = dump(name);
    for (const d of docs) if (name.startsWith("wf_") && d.dir === manifest.files_dir) d.dir = t.dir;
    if (docs.length > 0) await t.rdb.collection(name).insertMany(docs);
  }
});

/** Python's type name (as mspasspy's read_data returned it) against the JavaScript value read here. */
function sameType(python: string, v: unknown): boolean {
  switch (python) {
    case "int":
    case "Int64":
      return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
    case "float":
      return typeof v === "number";
    case "str":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "ObjectId":
      return v instanceof ObjectId;
    case "list":
      return Array.isArray(v);
    case "dict":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "datetime":
      return v instanceof Date;
    case "NoneType":
      return v === null;
    default:
      return false;
  }
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof ObjectId || v instanceof Date) return v;
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function expectMetadata(md: Metadata, want: Record<string, MdEntry>, what: string): void {
  const mine = Object.keys(want).filter((k) => !KEPT_AS_PROPERTIES.has(k));
  expect([...md.keys()].filter((k) => !KEPT_AS_PROPERTIES.has(k)).sort(), what).toEqual(mine.sort());
  for (const k of Object.keys(want).filter((k) => md.has(k))) {
    const v = md.get(k);
    expect(
      sameType(want[k]!.type, v),
      `${what} ${k}: python ${want[k]!.type}, here ${typeof v} ${String(v)}`,
    ).toBe(true);
    let value = (BSON.EJSON.deserialize({ v: want[k]!.value }, { relaxed: true }) as { v: unknown }).v;
    if (k === "dir" && value === manifest.files_dir) value = t.dir; // the files were moved (see the header)
    expect(plain(v), `${what} ${k}`).toEqual(plain(value));
  }
}

function bytesOf(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe("a database written by mspasspy, read here", () => {
  it("the fixture was written by mspasspy 2.4.3 and covers every collection MsPASS writes", () => {
    expect(manifest.mspasspy_version).toBe("2.4.3");
    for (const c of [
      "wf_TimeSeries",
      "wf_Seismogram",
      "wf_miniseed",
      "elog",
      "cemetery",
      "abortions",
      "history_object",
      "history_global",
      "site",
      "channel",
      "source",
      "fs.files",
      "fs.chunks",
    ]) {
      expect(manifest.collections).toContain(c);
    }
    const modes = new Set(expected.map((r) => `${r.collection}:${String(r.md.storage_mode?.value ?? "")}`));
    for (const m of [
      "wf_TimeSeries:gridfs",
      "wf_TimeSeries:file",
      "wf_Seismogram:gridfs",
      "wf_Seismogram:file",
      "wf_miniseed:file",
    ])
      expect(modes).toContain(m);
  });

  it("every wf document reads as mspasspy read it: liveness, time base, exact samples, Metadata keys, types and values", async () => {
    expect(expected.length).toBeGreaterThan(20);
    for (const rec of expected) {
      const what = `${rec.collection} ${rec._id} (${String(rec.md.sta?.value)} ${String(rec.md.data_tag?.value ?? "")})`;
      const d = (await t.db.readData(new ObjectId(rec._id), { collection: rec.collection })) as
        | TimeSeries
        | Seismogram;
      expect(d, what).toBeInstanceOf(rec.type === "Seismogram" ? Seismogram : TimeSeries);
      expect(d.live, `${what}: ${d.elog.entries.map((e) => e.message).join(" | ")}`).toBe(rec.live);
      expect(d.isAbortion, what).toBe(rec.is_abortion);
      if (!rec.live) continue;
      expect(d.npts, what).toBe(rec.npts);
      expect(d.dt, what).toBe(rec.dt);
      expect(d.t0, what).toBe(rec.t0);
      expect(d.tref, what).toBe(rec.tref);
      expect(d.shifted(), what).toBe(rec.shifted);
      if (rec.shifted) expect(d.t0shift, what).toBe(rec.t0shift);
      expect(bytesOf(d.data).equals(Buffer.from(rec.samples!, "base64")), `${what}: samples`).toBe(true);
      expectMetadata(d.md, rec.md, what);
    }
  });

  it("a broken document is an abortion here too, and the dead are where MsPASS buried them", async () => {
    const broken = expected.find((r) => !r.live)!;
    expect(broken.is_abortion).toBe(true);
    const cemetery = await t.rdb.collection("cemetery").find({}).toArray();
    const abortions = await t.rdb.collection("abortions").find({}).toArray();
    expect(cemetery.map((c) => (c.tombstone as Document).sta)).toContain("ST08");
    expect(abortions.map((c) => (c.tombstone as Document).sta)).toContain("BRK");
    // Our own save of the same dead data lands in the same collections, with the same fields.
    const dead = TimeSeries.fromMetadata(
      cemetery.find((c) => (c.tombstone as Document).sta === "ST08")!.tombstone as Document,
    );
    dead.elog.log("compat", "killed again", "Invalid");
    dead.kill();
    await t.db.saveData(dead, { dataTag: "ours" });
    const aborted = await t.db.readData(new ObjectId(broken._id), { collection: "wf_TimeSeries" });
    await t.db.saveData(aborted, { dataTag: "ours" });
    const mine = await t.rdb.collection("cemetery").findOne({ data_tag: "ours" });
    const theirs = cemetery.find((c) => (c.tombstone as Document).sta === "ST08")!;
    expect(Object.keys(mine!).sort()).toEqual([...Object.keys(theirs), "data_tag"].sort());
    const myAbortion = await t.rdb.collection("abortions").findOne({ data_tag: "ours" });
    const theirAbortion = abortions.find((c) => (c.tombstone as Document).sta === "BRK")!;
    expect(Object.keys(myAbortion!).sort()).toEqual([...Object.keys(theirAbortion), "data_tag"].sort());
    expect(myAbortion!.type).toBe(theirAbortion.type);
  });

  it("a saved processing history loads: the datum's origin is the stored save_uuid", async () => {
    const doc = await t.rdb.collection("wf_TimeSeries").findOne({ data_tag: "history" });
    expect(doc?.history_object_id).toBeInstanceOf(ObjectId);
    const h = await t.rdb.collection("history_object").findOne({ _id: doc!.history_object_id });
    expect(h).not.toBeNull();
    const d = (await t.db.readData(doc!._id, {
      collection: "wf_TimeSeries",
      loadHistory: true,
    })) as TimeSeries;
    expect(d.live).toBe(true);
    expect(d.history.opaqueParent).toBeInstanceOf(Uint8Array);
    expect(d.history.id()).toBe(h!.save_uuid);
    const g = await t.rdb.collection("history_global").findOne({ alg_name: "detrend" });
    expect(g).toMatchObject({ job_name: "compat_job", alg_id: "1", parameters: "type=simple" });
  });

  it("an ensemble saved to one file reads by cursor with every member's samples", async () => {
    const cursor = t.db.collection("wf_TimeSeries").find({ dfile: "ts_ensemble.bin" }).sort({ foff: 1 });
    const ens = (await t.db.readData(cursor)) as TimeSeriesEnsemble;
    expect(ens.member.length).toBe(3);
    const foffs = new Set<number>();
    for (const m of ens.member) {
      const rec = expected.find((r) => r._id === (m.md.get("_id") as ObjectId).toHexString())!;
      expect(bytesOf(m.data).equals(Buffer.from(rec.samples!, "base64"))).toBe(true);
      foffs.add(Number(m.md.get("foff")));
    }
    expect(foffs.size).toBe(3);
  });

  it("updateMetadata writes a key the schema does not define, as update_metadata wrote the fixture's", async () => {
    const theirs = await t.rdb.collection("wf_TimeSeries").findOne({ data_tag: "edit_md" });
    expect(theirs).toMatchObject({ note: "edited", added_int: 42, added_float: 2.25 });
    const d = (await t.db.readData(theirs!._id, { collection: "wf_TimeSeries" })) as TimeSeries;
    d.md.put("added_here", 7);
    await t.db.updateMetadata(d);
    expect(d.elog.entries.map((e) => e.message).join(" | ")).toMatch(
      /key=added_here is not defined in the schema/,
    );
    expect(await t.rdb.collection("wf_TimeSeries").findOne({ _id: theirs!._id })).toMatchObject({
      added_here: 7,
      added_int: 42,
    });
  });

  it("station and event metadata saved by mspasspy are found", async () => {
    const seg = await t.rdb.collection("wf_miniseed").findOne({ channel_id: { $exists: true } });
    expect(seg).not.toBeNull();
    const chan = await t.db.getSeedChannel(seg!.net as string, seg!.sta as string, seg!.chan as string, {
      loc: seg!.loc as string,
      time: seg!.starttime as number,
    });
    expect(chan?._id).toEqual(seg!.channel_id);
    const source = await t.rdb.collection("source").findOne({});
    const event = await t.db.loadEvent(source!._id);
    expect(event?._id).toEqual(source!._id);
  });
});
