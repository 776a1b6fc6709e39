/**
 * db.indexMseedFile against the real server: the wf_miniseed documents have
 * MsPASS's keys, key order and BSON types (read back RAW with the Node
 * driver), segments tile the file, symlinks are resolved, complaints reach the
 * elog as separate documents, normalizeChannel really writes channel_id.
 */
import { copyFileSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { indexMseedFiles } from "mspass";
import { useTestDatabase } from "./helpers.js";

const FIX = join(import.meta.dirname, "fixtures", "miniseed");
const { db, rdb, dir } = await useTestDatabase("mseed_index");

for (const f of ["gaps.mseed", "two_channels.mseed", "1T_MONN_00_EDH.mseed", "not.mseed"])
  copyFileSync(join(FIX, f), join(dir, f));

describe("indexMseedFile", () => {
  it("writes MsPASS's fields, order and types; segments tile the file", async () => {
    const [ids, elogIds] = await db.indexMseedFile("gaps.mseed", { dir, returnIds: true });
    expect(ids.length).toBeGreaterThan(1);
    expect(elogIds).toEqual([]);
    const docs = await rdb
      .collection("wf_miniseed")
      .find({ _id: { $in: ids } }, { promoteValues: false })
      .toArray();
    expect(docs.length).toBe(ids.length);
    const keys = Object.keys(docs[0]);
    expect(keys).toEqual([
      "_id",
      "sta",
      "net",
      "chan",
      "sampling_rate",
      "delta",
      "starttime",
      "last_packet_time",
      "foff",
      "nbytes",
      "npts",
      "endtime",
      "storage_mode",
      "format",
      "dir",
      "dfile",
      "time_standard",
    ]);
    const d0 = docs[0] as Record<string, { _bsontype?: string }>;
    for (const k of ["sampling_rate", "delta", "starttime", "last_packet_time", "endtime"])
      expect(d0[k]._bsontype, k).toBe("Double");
    for (const k of ["foff", "nbytes", "npts"]) expect(d0[k]._bsontype, k).toBe("Int32");
    const plain = await rdb
      .collection("wf_miniseed")
      .find({ _id: { $in: ids } })
      .sort({ foff: 1 })
      .toArray();
    const size = readFileSync(join(dir, "gaps.mseed")).length;
    expect(plain[0].foff).toBe(0);
    for (let i = 1; i < plain.length; i++)
      expect(plain[i].foff).toBe(plain[i - 1].foff + plain[i - 1].nbytes);
    expect(plain.at(-1)!.foff + plain.at(-1)!.nbytes).toBe(size);
    expect(plain[0]).toMatchObject({
      storage_mode: "file",
      format: "mseed",
      dir,
      dfile: "gaps.mseed",
      time_standard: "UTC",
    });
    expect(plain[0].endtime).toBeCloseTo(
      plain[0].starttime + (plain[0].npts - 1) / plain[0].sampling_rate,
      6,
    );
    // Without time tears: one segment.
    const [one] = await db.indexMseedFile(join(dir, "gaps.mseed"), {
      collection: "wf_notears",
      segmentTimeTears: false,
      returnIds: true,
    });
    expect(one.length).toBe(1);
    const whole = await rdb.collection("wf_notears").findOne({ _id: one[0] });
    expect(whole!.npts).toBe(plain.reduce((a, d) => a + d.npts, 0));
  });

  it("keeps loc when set, splits channels, resolves symlinks", async () => {
    symlinkSync(join(dir, "1T_MONN_00_EDH.mseed"), join(dir, "link.mseed"));
    const [ids] = await db.indexMseedFile(join(dir, "link.mseed"), { returnIds: true });
    const d = await rdb.collection("wf_miniseed").findOne({ _id: ids[0] });
    expect(d).toMatchObject({
      net: "1T",
      sta: "MONN",
      loc: "00",
      chan: "EDH",
      dfile: "1T_MONN_00_EDH.mseed",
      npts: 7501,
      sampling_rate: 125,
    });
    const [two] = await db.indexMseedFile(join(dir, "two_channels.mseed"), { returnIds: true });
    const chans = (
      await rdb
        .collection("wf_miniseed")
        .find({ _id: { $in: two } })
        .toArray()
    ).map((x) => x.chan);
    expect(new Set(chans).size).toBe(2);
    expect(Object.keys((await rdb.collection("wf_miniseed").findOne({ _id: two[0] }))!)).not.toContain("loc");
  });

  it("a file without records gives no segment and an Invalid elog entry; a missing file throws", async () => {
    const [ids, elogIds] = await db.indexMseedFile(join(dir, "not.mseed"), { returnIds: true });
    expect(ids).toEqual([]);
    expect(elogIds.length).toBe(1);
    const e = await rdb.collection("elog").findOne({ _id: elogIds[0] });
    expect(e!.logdata[0]).toMatchObject({ algorithm: "index_mseed_file", badness: "ErrorSeverity.Invalid" });
    expect(e!.logdata[0].error_message).toContain("Hit end of file before reading any valid packets");
    await expect(db.indexMseedFile(join(dir, "nope.mseed"))).rejects.toThrow(/indexMseedFile: cannot open/);
    await expect(db.indexMseedFile(join(dir, "gaps.mseed"), { bogus: 1 } as never)).rejects.toThrow(
      /unknown option 'bogus'/,
    );
  });

  it("a truncated file: segments up to the bad record and one elog document per segment", async () => {
    const bytes = readFileSync(join(FIX, "two_channels.mseed"));
    const cut = join(dir, "cut.mseed");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(cut, Buffer.concat([bytes, bytes.subarray(0, 300)]));
    const [ids, elogIds] = await db.indexMseedFile(cut, { returnIds: true });
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(elogIds.length).toBe(ids.length);
    const logs = await rdb
      .collection("elog")
      .find({ _id: { $in: elogIds } })
      .toArray();
    expect(new Set(logs.map((l) => String(l.wf_miniseed_id)))).toEqual(new Set(ids.map(String)));
    expect(logs[0].logdata[0].error_message).toMatch(/truncated/);
  });

  it("normalizeChannel writes channel_id into the stored documents", async () => {
    const ch = await rdb.collection("channel").insertOne({
      net: "1T",
      sta: "MONN",
      loc: "00",
      chan: "EDH",
      starttime: 0.0,
      endtime: 2e9,
      lat: 1,
      lon: 2,
    });
    const [ids] = await db.indexMseedFile(join(dir, "1T_MONN_00_EDH.mseed"), {
      normalizeChannel: true,
      returnIds: true,
    });
    const d = await rdb.collection("wf_miniseed").findOne({ _id: ids[0] });
    expect(String(d!.channel_id)).toBe(String(ch.insertedId));
  });

  it("indexMseedFiles indexes many files (here in this thread) and reports per-file errors", async () => {
    const out = await indexMseedFiles(db, ["gaps.mseed", "two_channels.mseed", "missing.mseed"], {
      dir,
      collection: "wf_many",
      scheduler: "none",
    });
    expect(out.map((o) => o.path)).toEqual([
      join(dir, "gaps.mseed"),
      join(dir, "two_channels.mseed"),
      join(dir, "missing.mseed"),
    ]);
    expect(out[0].wfIds.length).toBeGreaterThan(1);
    expect(out[1].wfIds.length).toBe(2);
    expect(out[2].error).toMatch(/cannot open/);
    expect(await rdb.collection("wf_many").countDocuments()).toBe(out[0].wfIds.length + 2);
  });
});
