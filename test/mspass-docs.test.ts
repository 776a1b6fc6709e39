/**
 * Databases written by MsPASS read here (issue 9): the fixture set in
 * test/fixtures/mspass-docs — wf documents in the shapes MsPASS's save_data
 * writes, every storage mode, with the leftover fields its index → read →
 * save workflow carries into GridFS documents, int32/int64/double counts,
 * aliases, time_standard absent or "UTC", history/elog/normalized ids — is
 * written into the real server with samples stored as pymongo and MsPASS's
 * C++ writer store them (by the plain driver and node:fs, not by this
 * package), then read back live with exactly the right samples by
 * readData (ObjectId, document, cursor: fast and started paths) and
 * readDistributedData. Also the round trip read → saveData(gridfs) → read
 * of a document with leftovers, and the abortions / cemetery shapes.
 */
import { ObjectId, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { Seismogram, TimeSeries, readDistributedData, task } from "mspass";
import { useTestDatabase } from "./helpers.js";
import {
  expectedSamples,
  loadCases,
  writeFixtures,
  type FixtureCase,
} from "./fixtures/mspass-docs/samples.mjs";
import type { Digest } from "./fixtures/mspass-docs/tasks.d.mts";

const TASKS = new URL("./fixtures/mspass-docs/tasks.mjs", import.meta.url);
const digest = task<(d: unknown) => Digest>(TASKS, "digest");

const { db, rdb, dir } = await useTestDatabase("mspass_docs", {
  scheduler: "local",
  nworkers: 1,
  dashboardPort: false,
});
const cases: FixtureCase[] = [...loadCases("gridfs.json", dir), ...loadCases("file.json", dir)];
await writeFixtures(rdb, cases);

type Atomic = TimeSeries | Seismogram;

function describeDead(d: Atomic): string {
  return `${String(d.md.get("fixture"))}: live=${d.live} abortion=${d.isAbortion} elog=${d.elog.entries.map((e) => e.message).join(" | ")}`;
}

/** A datum read from fixture `c`: live, of the right type, with exactly its samples. */
function expectFixture(d: Atomic, c: FixtureCase): void {
  expect(d.live, describeDead(d)).toBe(true);
  expect(d.isAbortion).toBe(false);
  expect(d).toBeInstanceOf(c.collection === "wf_Seismogram" ? Seismogram : TimeSeries);
  const want = expectedSamples(c);
  expect(d.data.length).toBe(want.length);
  // Exact: every generated value is representable.
  expect(
    Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength).equals(Buffer.from(want.buffer)),
  ).toBe(true);
  expect(d.md.get("_id")).toEqual(c.document._id);
}

const byName = (name: string) => cases.find((c) => c.name === name)!;

describe("MsPASS-shaped documents read live with their samples", () => {
  it("the fixture set covers every storage mode and the leftover-field cases", () => {
    const modes = new Set(
      cases.map((c) => `${c.collection}:${(c.document.storage_mode as string | undefined) ?? "(default)"}`),
    );
    expect([...modes].sort()).toEqual([
      "wf_Seismogram:file",
      "wf_Seismogram:gridfs",
      "wf_TimeSeries:(default)",
      "wf_TimeSeries:file",
      "wf_TimeSeries:gridfs",
    ]);
    const gridfsWithFileFields = cases.filter(
      (c) =>
        (c.document.storage_mode ?? "gridfs") === "gridfs" && "nbytes" in c.document && "dfile" in c.document,
    );
    expect(gridfsWithFileFields.length).toBeGreaterThanOrEqual(3);
    // Some GridFS member spans more than one 255 KiB chunk.
    expect(
      cases.some(
        (c) =>
          expectedSamples(c).length * 8 > 255 * 1024 && (c.document.storage_mode ?? "gridfs") === "gridfs",
      ),
    ).toBe(true);
  });

  it.each(["promiscuous", "cautious"] as const)(
    "readData(ObjectId) and readData(document), %s mode",
    async (mode) => {
      for (const c of cases) {
        const d1 = (await db.readData(c.document._id, { collection: c.collection, mode })) as Atomic;
        expectFixture(d1, c);
        const doc = (await rdb.collection(c.collection).findOne({ _id: c.document._id }))!;
        const d2 = (await db.readData(doc, { collection: c.collection, mode })) as Atomic;
        expectFixture(d2, c);
      }
    },
  );

  it("readData(cursor): one ensemble per collection, fast path and started cursor", async () => {
    for (const collection of ["wf_TimeSeries", "wf_Seismogram"] as const) {
      const mine = cases
        .filter((c) => c.collection === collection)
        .sort((a, b) => String(a.document._id).localeCompare(String(b.document._id)));
      const ens = await db.readData(
        db
          .collection(collection)
          .find({ fixture: { $exists: true } })
          .sort({ _id: 1 }),
        { collection },
      );
      expect(ens.live).toBe(true);
      expect(ens.member).toHaveLength(mine.length);
      ens.member.forEach((m, i) => expectFixture(m as Atomic, mine[i]!));
      // A cursor already started: the rest is read in one native call from its documents.
      const cur = db
        .collection(collection)
        .find({ fixture: { $exists: true } })
        .sort({ _id: 1 });
      const first = await cur.next();
      expect(first!._id).toEqual(mine[0]!.document._id);
      const rest = await db.readData(cur, { collection, mode: "cautious" });
      expect(rest.member).toHaveLength(mine.length - 1);
      rest.member.forEach((m, i) => expectFixture(m as Atomic, mine[i + 1]!));
    }
  });

  it("readDistributedData reads every fixture live on the workers", async () => {
    for (const collection of ["wf_TimeSeries", "wf_Seismogram"] as const) {
      const mine = cases.filter((c) => c.collection === collection);
      const bag = await readDistributedData(db, {
        collection,
        query: { fixture: { $exists: true } },
        npartitions: 2,
      });
      const out = (await bag.map(digest).compute()) as Digest[];
      expect(out.map((o) => o.fixture).sort()).toEqual(mine.map((c) => c.name).sort());
      for (const o of out) {
        const c = byName(o.fixture!);
        expect([o.fixture, o.live, o.abortion], o.elog.join(" | ")).toEqual([c.name, true, false]);
        expect(o.data).toEqual(Array.from(expectedSamples(c)));
      }
    }
  });

  it("time_standard: 'UTC' gives UTC data; absent gives Relative (as MsPASS's constructor)", async () => {
    const utc = (await db.readData(byName("gridfs-fresh-save").document._id)) as TimeSeries;
    expect(utc.tref).toBe("UTC");
    const rel = (await db.readData(byName("gridfs-default-mode-relative-time").document._id)) as TimeSeries;
    expect(rel.tref).toBe("Relative");
    expect(rel.t0).toBe(-12.5);
    const seisRel = (await db.readData(byName("seismogram-file-second-record").document._id, {
      collection: "wf_Seismogram",
    })) as Seismogram;
    expect(seisRel.tref).toBe("Relative");
  });

  it("cross-references and MsPASS's own keys survive the read (promiscuous)", async () => {
    const c = byName("gridfs-fresh-save");
    const d = (await db.readData(c.document._id)) as TimeSeries;
    for (const k of [
      "history_object_id",
      "elog_id",
      "channel_id",
      "site_id",
      "source_id",
      "data_tag",
      "is_abortion",
      "net",
      "sta",
    ]) {
      expect([k, d.md.get(k)]).toEqual([k, c.document[k]]);
    }
    const s = (await db.readData(byName("seismogram-gridfs").document._id, {
      collection: "wf_Seismogram",
    })) as Seismogram;
    expect(s.md.get("channel_id_list")).toEqual(byName("seismogram-gridfs").document.channel_id_list);
  });

  it("aliases: promiscuous keeps them, cautious drops them; both read the samples", async () => {
    const c = byName("gridfs-with-aliases");
    const p = (await db.readData(c.document._id, { mode: "promiscuous" })) as TimeSeries;
    expect(p.md.get("dt")).toBe(0.02);
    const k = (await db.readData(c.document._id, { mode: "cautious" })) as TimeSeries;
    expectFixture(k, c);
    expect(k.md.has("dt")).toBe(false);
    expect(k.md.has("nsamp")).toBe(false);
  });
});

describe("MsPASS's index → read → save(gridfs) workflow", () => {
  it("a document with leftover format/dir/dfile/foff/nbytes re-saved to GridFS reads back live, nothing buried", async () => {
    for (const name of ["gridfs-after-mseed-index", "seismogram-gridfs-leftovers", "file-stale-nbytes"]) {
      const c = byName(name);
      const d = (await db.readData(c.document._id, { collection: c.collection })) as Atomic;
      expectFixture(d, c);
      const before = [
        await rdb.collection("abortions").countDocuments(),
        await rdb.collection("cemetery").countDocuments(),
      ];
      const r = await db.saveData(d, {
        storageMode: "gridfs",
        collection: c.collection,
        dataTag: "resaved-here",
      });
      expect(r.isLive).toBe(true);
      const saved = await rdb.collection(c.collection).findOne({ data_tag: "resaved-here", fixture: name });
      expect(saved).not.toBeNull();
      expect(saved!.storage_mode).toBe("gridfs");
      const back = (await db.readData(saved!._id as ObjectId, { collection: c.collection })) as Atomic;
      expect(back.live, describeDead(back)).toBe(true);
      expect(Array.from(back.data)).toEqual(Array.from(expectedSamples(c)));
      // And through a cursor (the ensemble path of the core).
      const ens = await db.readData(db.collection(c.collection).find({ _id: saved!._id }), {
        collection: c.collection,
      });
      expect(ens.member[0]!.live).toBe(true);
      expect([
        await rdb.collection("abortions").countDocuments(),
        await rdb.collection("cemetery").countDocuments(),
      ]).toEqual(before);
    }
  });
});

describe("abortions and cemetery in MsPASS's shapes", () => {
  it("an abortion: {tombstone (with is_abortion: true), logdata, type: str(class), data_tag}", async () => {
    const { insertedId } = await rdb
      .collection("wf_Seismogram")
      .insertOne({ npts: "x", delta: 0.1, starttime: 0, storage_mode: "gridfs", sta: "ABORTSEIS" });
    const d = (await db.readData(insertedId, { collection: "wf_Seismogram" })) as Seismogram;
    expect(d.isAbortion).toBe(true);
    await db.saveData(d, { collection: "wf_Seismogram", dataTag: "tagged" });
    const a = (await rdb.collection("abortions").findOne({ "tombstone.sta": "ABORTSEIS" })) as Document;
    expect(Object.keys(a).sort()).toEqual(["_id", "data_tag", "logdata", "tombstone", "type"]);
    expect(a.type).toBe("<class 'mspasspy.ccore.seismic.Seismogram'>");
    expect(a.data_tag).toBe("tagged");
    expect(a.tombstone).toMatchObject({ _id: insertedId, npts: "x", is_abortion: true });
    expect(a.logdata[0]).toEqual(
      expect.objectContaining({ algorithm: "readData", badness: "ErrorSeverity.Invalid" }),
    );
  });

  it("a killed datum: {logdata, wf_<Type>_id (its own id), tombstone (is_abortion: false), data_tag}", async () => {
    const c = byName("file-ensemble-member-1");
    const d = (await db.readData(c.document._id)) as TimeSeries;
    d.elog.log("myfilter", "amplitude out of range", "Invalid");
    d.kill();
    await db.saveData(d, { dataTag: "qc" });
    const g = (await rdb.collection("cemetery").findOne({ "tombstone._id": c.document._id })) as Document;
    expect(Object.keys(g).sort()).toEqual(["_id", "data_tag", "logdata", "tombstone", "wf_TimeSeries_id"]);
    expect(g.wf_TimeSeries_id).toEqual(c.document._id);
    expect(g.tombstone).toMatchObject({ sta: "E02", is_abortion: false });
    expect(g.logdata.map((l: Document) => l.error_message)).toContain("amplitude out of range");
  });

  it("a datum killed without an elog entry still gets a logdata Complaint (as MsPASS's _save_elog)", async () => {
    const t = new TimeSeries({ dt: 1, data: new Float64Array([1, 2]), metadata: { sta: "SILENT" } });
    t.kill();
    await db.saveData(t);
    const g = (await rdb.collection("cemetery").findOne({ "tombstone.sta": "SILENT" })) as Document;
    expect(g.logdata).toHaveLength(1);
    expect(g.logdata[0].badness).toBe("ErrorSeverity.Complaint");
    expect(g).not.toHaveProperty("wf_TimeSeries_id"); // never saved: no id to link
  });
});

describe("sanity of the generator itself", () => {
  it("GridFS files are stored as pymongo does (length, chunkSize, uploadDate, 255 KiB chunks)", async () => {
    const c = byName("gridfs-fresh-save");
    const f = (await rdb.collection("fs.files").findOne({ _id: c.document.gridfs_id }))!;
    expect(f.length).toBe(40_000 * 8);
    expect(f.chunkSize).toBe(261_120);
    expect(f.uploadDate).toBeInstanceOf(Date);
    const chunks = await rdb
      .collection("fs.chunks")
      .find({ files_id: c.document.gridfs_id })
      .sort({ n: 1 })
      .toArray();
    expect(chunks.map((x) => x.data.length())).toEqual([261_120, 320_000 - 261_120]);
    // A bad id reads dead, so the live reads above are not vacuous.
    const dead = (await db.readData({
      ...c.document,
      _id: new ObjectId(),
      gridfs_id: new ObjectId(),
    })) as TimeSeries;
    expect(dead.live).toBe(false);
  });
});

describe("readData decides by the member error KIND, never by its wording", () => {
  it("storage kinds kill the constructed datum, every other (or unknown) kind aborts, only BadType retries", async () => {
    const { memberErrorAt, memberErrorFate, isRetryableWithConvertedValues } = await import(
      "../dist/db/member-error.js"
    );
    // The same wording under different kinds gives different fates: the text is not consulted.
    const res = {
      errors: ["cannot open file x", "cannot open file x", "npts has type double", null],
      errorKinds: ["MissingSamples", "BadDocument", "BadSamples", null],
    };
    expect([0, 1, 2].map((i) => memberErrorFate(memberErrorAt(res, i)!.kind))).toEqual([
      "killed",
      "abortion",
      "killed",
    ]);
    expect(memberErrorAt(res, 3)).toBeUndefined();
    expect(["BadDocument", "Unsupported", "NoDatabase", "SomeFutureKind"].map(memberErrorFate)).toEqual([
      "abortion",
      "abortion",
      "abortion",
      "abortion",
    ]);
    expect(["BadType", "BadDocument", "MissingSamples"].map(isRetryableWithConvertedValues)).toEqual([
      true,
      false,
      false,
    ]);
  });
});
