/**
 * readData of wf_miniseed documents against the real server: every fixture
 * (real files from obspy's test suite) is indexed with indexMseedFile, read
 * back as an ensemble and document by document, and each datum's samples
 * are compared with what obspy 1.5.1 read from the file (expected.json: ids,
 * start times, npts, sha256 of the samples as little-endian float64). Bad
 * files give dead data with an elog entry; gaps are merged as MsPASS does.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { readDistributedData, type TimeSeries, type TimeSeriesEnsemble } from "mspass";
import { useTestDatabase } from "./helpers.js";

const FIX = join(import.meta.dirname, "fixtures", "miniseed");

interface Trace {
  id: string;
  npts: number;
  starttime: number;
  sampling_rate: number;
  sha256_f64le: string;
}
const EXPECTED = JSON.parse(readFileSync(join(FIX, "expected.json"), "utf8")).files as Record<
  string,
  { traces?: Trace[]; obspy_error?: string }
>;

const { db } = await useTestDatabase("mseed_read");

function sha(data: Float64Array): string {
  return createHash("sha256")
    .update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

/**
 * Files whose source id the indexer spells differently from obspy (the
 * samples must still be obspy's): blank codes kept as spaces ("   "), and a
 * non-ASCII location code libmseed drops.
 */
const ID_DIFFERS = new Set([
  "encoding/nan_float32.mseed",
  "encoding/nan_float64.mseed",
  "gecko_non_ascii_header.ms",
]);
/** Files obspy reads but libmseed refuses (so the indexer stops with a Complaint and makes no segment). */
const NOT_INDEXED: Record<string, string> = {
  "microsecond_wrap.mseed": "a start time with microsecond 1000000, out of range for libmseed",
};

/** The fixture a datum was read from, as expected.json names it (e.g. "encoding/x.mseed"). */
function fixtureOf(d: TimeSeries): string {
  return relative(FIX, join(d.md.get("dir") as string, d.md.get("dfile") as string));
}

function sid(d: TimeSeries): string {
  return [d.md.get("net"), d.md.get("sta"), d.md.get("loc") ?? "", d.md.get("chan")].join(".");
}

/**
 * The obspy traces a datum holds: same id, starting inside it. Each must be
 * found at its time offset with obspy's exact samples. Returns how many.
 */
function checkAgainstObspy(file: string, d: TimeSeries): number {
  const rate = 1 / d.dt;
  const end = d.t0 + (d.npts - 1) * d.dt;
  const inside = (EXPECTED[file]!.traces ?? []).filter(
    (t) =>
      (t.id === sid(d) || ID_DIFFERS.has(file)) &&
      t.npts > 0 &&
      t.starttime >= d.t0 - 1e-6 &&
      t.starttime <= end + 1e-6,
  );
  for (const t of inside) {
    const at = Math.round((t.starttime - d.t0) * rate);
    expect(at + t.npts, `${file} ${t.id} @${t.starttime}`).toBeLessThanOrEqual(d.npts);
    expect(sha(d.data.subarray(at, at + t.npts)), `${file} ${t.id} @${t.starttime}`).toBe(t.sha256_f64le);
  }
  return inside.length;
}

describe("readData of wf_miniseed", () => {
  it("every fixture obspy reads: indexed, read as an ensemble and one by one, obspy's samples exactly", async () => {
    const readable = Object.keys(EXPECTED).filter((f) => (EXPECTED[f]!.traces ?? []).some((t) => t.npts > 0));
    expect(readable.length).toBeGreaterThan(50);
    for (const f of readable) await db.indexMseedFile(f, { dir: FIX });
    // One ensemble read for every segment of every file (grouped per file in the core).
    const ens = (await db.readData(db.wf_miniseed.find({}).sort({ dfile: 1, foff: 1 }), {
      collection: "wf_miniseed",
    })) as TimeSeriesEnsemble;
    const found = new Map<string, number>();
    for (const d of ens.member) {
      const f = fixtureOf(d);
      if (!d.live) continue;
      found.set(f, (found.get(f) ?? 0) + checkAgainstObspy(f, d));
    }
    // Every trace obspy reads with samples is in some datum, with its samples.
    const missing: string[] = [];
    for (const f of readable) {
      const want = EXPECTED[f]!.traces!.filter((t) => t.npts > 0).length;
      if (NOT_INDEXED[f] !== undefined) {
        expect(found.get(f), f).toBeUndefined();
        continue;
      }
      if ((found.get(f) ?? 0) < want) missing.push(`${f}: ${found.get(f) ?? 0} of ${want} traces`);
    }
    expect(missing).toEqual([]);
    // The document path gives the same samples as the ensemble path.
    const docs = await db.wf_miniseed.find({}).sort({ dfile: 1, foff: 1 }).toArray();
    expect(docs.length).toBe(ens.member.length);
    for (let i = 0; i < docs.length; i += 7) {
      const one = (await db.readData(docs[i]!, { collection: "wf_miniseed" })) as TimeSeries;
      expect(one.live).toBe(ens.member[i]!.live);
      expect(sha(one.data)).toBe(sha(ens.member[i]!.data));
      expect(one.npts).toBe(one.data.length);
    }
  });

  it("readDistributedData reads wf_miniseed through the same path", async () => {
    const query = { dfile: { $in: ["steim2.mseed", "test.mseed", "two_channels.mseed"] } };
    const want = (await db.readData(db.wf_miniseed.find(query).sort({ _id: 1 }), {
      collection: "wf_miniseed",
    })) as TimeSeriesEnsemble;
    const bag = await readDistributedData(db, { collection: "wf_miniseed", query, npartitions: 2 });
    const got = ((await bag.compute({ scheduler: "none" })) as TimeSeries[]).sort((a, b) =>
      String(a.md.get("_id")).localeCompare(String(b.md.get("_id"))),
    );
    expect(got.length).toBe(want.member.length);
    expect(got.length).toBeGreaterThanOrEqual(4);
    got.forEach((d, i) => {
      expect(d.live).toBe(true);
      expect(sha(d.data)).toBe(sha(want.member[i]!.data));
      expect(checkAgainstObspy(fixtureOf(d), d)).toBeGreaterThanOrEqual(1);
    });
  });

  it("a corrupt or missing file kills that datum with an elog entry; the others stay live", async () => {
    const base = {
      storage_mode: "file",
      format: "mseed",
      dir: FIX,
      npts: 100,
      delta: 0.01,
      starttime: 0,
      net: "XX",
      sta: "S",
      chan: "HHZ",
    };
    const size = (f: string) => statSync(join(FIX, f)).size;
    await db.wf_miniseed.insertMany([
      { ...base, dfile: "infinite-loop.mseed", foff: 0, nbytes: size("infinite-loop.mseed"), tag: "bad" },
      { ...base, dfile: "not.mseed", foff: 0, nbytes: size("not.mseed"), tag: "bad" },
      { ...base, dfile: "steim2.mseed", foff: 0, nbytes: size("steim2.mseed") + 4096, tag: "bad" },
      { ...base, dfile: "no-such-file.mseed", foff: 0, nbytes: 512, tag: "bad" },
      { ...base, dfile: "steim2.mseed", foff: 0, nbytes: size("steim2.mseed"), tag: "bad" },
    ]);
    const ens = (await db.readData(db.wf_miniseed.find({ tag: "bad" }).sort({ _id: 1 }), {
      collection: "wf_miniseed",
    })) as TimeSeriesEnsemble;
    const m = ens.member;
    expect(m.map((d) => d.live)).toEqual([false, false, false, false, true]);
    for (const d of m.slice(0, 4)) {
      expect(d.isAbortion).toBe(false); // the document was fine: the datum is built, then killed
      expect(d.elog.entries.map((e) => e.message).join("\n")).toMatch(
        /cannot load the samples: (cannot decode|miniSEED file .* shorter|cannot open)/,
      );
    }
    // The live one got obspy's header values, with Complaints for each change.
    expect(m[4]!.npts).toBe(5980);
    expect(m[4]!.dt).toBe(1 / 40);
    expect(m[4]!.elog.entries.filter((e) => e.badness === "Complaint").length).toBeGreaterThanOrEqual(3);
    // nbytes <= 0: MsPASS kills before reading; here an abortion naming nbytes.
    const zero = (await db.readData(
      { ...base, dfile: "steim2.mseed", foff: 0, nbytes: 0 },
      { collection: "wf_miniseed" },
    )) as TimeSeries;
    expect(zero.live).toBe(false);
    expect(zero.isAbortion).toBe(true);
    expect(zero.elog.entries.map((e) => e.message).join("\n")).toMatch(/nbytes=0/);
  });

  it("gaps inside a segment: merged with mergeMethod/mergeFillValue, has_gap and gaps set", async () => {
    const [ids] = await db.indexMseedFile("gaps.mseed", {
      dir: FIX,
      segmentTimeTears: false,
      returnIds: true,
      collection: "wf_miniseed",
    });
    expect(ids).toHaveLength(1);
    const traces = EXPECTED["gaps.mseed"]!.traces!;
    const d = (await db.readData(ids[0]!, { collection: "wf_miniseed" })) as TimeSeries;
    expect(d.live).toBe(true);
    expect(checkAgainstObspy("gaps.mseed", d)).toBe(traces.length);
    expect(d.md.get("has_gap")).toBe(true);
    const gaps = d.md.get("gaps") as Array<{ starttime: number; endtime: number }>;
    expect(gaps).toHaveLength(traces.length - 1);
    for (let k = 0; k < gaps.length; k++) {
      const endOfTrace = traces[k]!.starttime + (traces[k]!.npts - 1) * d.dt;
      expect(gaps[k]!.starttime).toBeCloseTo(endOfTrace + d.dt, 5);
      expect(gaps[k]!.endtime).toBeCloseTo(traces[k + 1]!.starttime - d.dt, 5);
      const at = Math.round((gaps[k]!.starttime - d.t0) / d.dt);
      expect(d.data[at]).toBe(0);
    }
    expect(
      d.elog.entries.some((e) => e.badness === "Complaint" && /4 traces .* merged/.test(e.message)),
    ).toBe(true);
    // A fill value: the gap holds it, and nothing is reported as a gap.
    const filled = (await db.readData(ids[0]!, {
      collection: "wf_miniseed",
      mergeFillValue: -12345,
    })) as TimeSeries;
    expect(filled.md.has("has_gap")).toBe(false);
    expect(filled.data[traces[0]!.npts]).toBe(-12345);
    expect(sha(filled.data.subarray(0, traces[0]!.npts))).toBe(traces[0]!.sha256_f64le);
    // "latest" repeats the last sample before the gap.
    const latest = (await db.readData(ids[0]!, {
      collection: "wf_miniseed",
      mergeFillValue: "latest",
    })) as TimeSeries;
    expect(latest.data[traces[0]!.npts]).toBe(latest.data[traces[0]!.npts - 1]);
    // Bad merge options are caller mistakes.
    await expect(db.readData(ids[0]!, { collection: "wf_miniseed", mergeMethod: 2 as 0 })).rejects.toThrow(
      /mergeMethod must be -1, 0 or 1/,
    );
    await expect(
      db.readData(ids[0]!, { collection: "wf_miniseed", mergeFillValue: "zero" as "latest" }),
    ).rejects.toThrow(/mergeFillValue/);
    // readDistributedData passes the same options to every partition, and checks them on the caller.
    const bag = await readDistributedData(db, {
      collection: "wf_miniseed",
      query: { _id: ids[0] },
      mergeFillValue: -12345,
    });
    const [dist] = (await bag.compute({ scheduler: "none" })) as TimeSeries[];
    expect(dist!.data[traces[0]!.npts]).toBe(-12345);
    expect(dist!.md.has("has_gap")).toBe(false);
    await expect(readDistributedData(db, { collection: "wf_miniseed", mergeMethod: 2 as 0 })).rejects.toThrow(
      /readDistributedData: mergeMethod must be -1, 0 or 1/,
    );
  });
});
