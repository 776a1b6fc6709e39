/**
 * saveData(d, { storageMode: "file", format: "mseed" }) against the real
 * server: the wf document points at miniSEED records that our reader AND
 * obspy 1.5.1 (the venv scripts/ensure-obspy.sh installs) read back with the
 * same ids, start time, npts and samples; integer data go out as Steim2,
 * non-integer data as FLOAT64 (never rounded); data miniSEED cannot hold
 * are killed with an elog entry.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TimeSeries, fromSequence, writeDistributedData } from "mspass";
import { obspyPython, useTestDatabase } from "./helpers.js";

const PY = obspyPython();
const { db, dir } = await useTestDatabase("mseed_save");

function ts(data: Float64Array, md: Record<string, unknown>, t0 = 1_700_000_000.125): TimeSeries {
  return new TimeSeries({
    dt: 0.01,
    t0,
    tref: "UTC",
    data,
    metadata: { net: "XX", sta: "ABC", chan: "HHZ", ...md },
  });
}

interface ObspyTrace {
  id: string;
  starttime: number;
  npts: number;
  sampling_rate: number;
  encoding: string;
  data: number[];
}

/** obspy.read of each (file, foff, nbytes), as MsPASS's reader does (bytes at foff). */
function obspyRead(segments: Array<{ file: string; foff: number; nbytes: number }>): ObspyTrace[][] {
  const script = `
import io, json, sys, obspy
out = []
for s in json.load(sys.stdin):
    with open(s["file"], "rb") as f:
        f.seek(s["foff"]); b = f.read(s["nbytes"])
    st = obspy.read(io.BytesIO(b), format="MSEED")
    out.append([{"id": t.id, "starttime": t.stats.starttime.timestamp, "npts": t.stats.npts,
                 "sampling_rate": t.stats.sampling_rate, "encoding": t.stats.mseed.encoding,
                 "data": [float(x) for x in t.data]} for t in st])
print(json.dumps(out))
`;
  const r = spawnSync(PY, ["-c", script], {
    input: JSON.stringify(segments),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`obspy failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ObspyTrace[][];
}

describe("saveData format mseed", () => {
  it("writes Steim2 (integers) and FLOAT64 (non-integers) that our reader and obspy read back exactly", async () => {
    expect(existsSync(PY), `${PY} (scripts/ensure-obspy.sh)`).toBe(true);
    const ints = Float64Array.from(
      { length: 20_000 },
      (_, i) => Math.round(1e5 * Math.sin(i / 37)) - (i % 7) * 1000,
    );
    const floats = Float64Array.from({ length: 3_000 }, (_, i) => Math.sin(i / 11) * 1e-3 + i * 0.5);
    const a = ts(ints, { loc: "00" });
    const b = ts(floats, { sta: "FLT" }, 1_700_000_100.5);
    const saved = await db.saveData(a, {
      storageMode: "file",
      format: "mseed",
      dir,
      dfile: "out.mseed",
      returnData: true,
    });
    const saved2 = await db.saveData(b, {
      storageMode: "file",
      format: "mseed",
      dir,
      dfile: "out.mseed",
      returnData: true,
    });
    expect([saved.live, saved2.live]).toEqual([true, true]);
    const docs = await db.wf_TimeSeries
      .find({ _id: { $in: [saved.md.get("_id"), saved2.md.get("_id")] } })
      .sort({ foff: 1 })
      .toArray();
    expect(docs.map((d) => [d.storage_mode, d.format, d.dir, d.dfile])).toEqual([
      ["file", "mseed", dir, "out.mseed"],
      ["file", "mseed", dir, "out.mseed"],
    ]);
    expect(docs[0]!.foff).toBe(0);
    expect(docs[1]!.foff).toBe(docs[0]!.nbytes); // appended after the first datum's records
    // Our reader: the same samples, start and rate.
    for (const [doc, want] of [
      [docs[0]!, a],
      [docs[1]!, b],
    ] as const) {
      const back = (await db.readData(doc)) as TimeSeries;
      expect(back.live).toBe(true);
      expect(back.npts).toBe(want.npts);
      expect(back.t0).toBe(want.t0);
      expect(back.dt).toBeCloseTo(want.dt, 12);
      expect(
        Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(
          Buffer.from(want.data.buffer),
        ),
      ).toBe(true);
    }
    // obspy reads the same bytes to the same traces.
    const seen = obspyRead(docs.map((d) => ({ file: join(d.dir, d.dfile), foff: d.foff, nbytes: d.nbytes })));
    expect(seen.map((s) => s.length)).toEqual([1, 1]);
    const [ta, tb] = [seen[0]![0]!, seen[1]![0]!];
    expect([ta.id, ta.encoding, ta.npts, ta.sampling_rate]).toEqual([
      "XX.ABC.00.HHZ",
      "STEIM2",
      ints.length,
      100,
    ]);
    expect([tb.id, tb.encoding, tb.npts]).toEqual(["XX.FLT..HHZ", "FLOAT64", floats.length]);
    expect(ta.starttime).toBeCloseTo(a.t0, 6);
    expect(tb.starttime).toBeCloseTo(b.t0, 6);
    expect(ta.data).toEqual(Array.from(ints));
    expect(tb.data).toEqual(Array.from(floats));
  });

  it("a datum miniSEED cannot hold is killed with an elog entry; caller mistakes throw", async () => {
    const noChan = ts(new Float64Array([1, 2, 3]), { chan: undefined });
    noChan.md.erase("chan");
    const r = await db.saveData(noChan, { storageMode: "file", format: "mseed", dir, returnData: true });
    expect(r.live).toBe(false);
    expect(r.elog.entries.map((e) => e.message).join("\n")).toMatch(/needs a channel code/);
    const long = await db.saveData(ts(new Float64Array([1, 2]), { sta: "TOOLONG" }), {
      storageMode: "file",
      format: "mseed",
      dir,
      returnData: true,
    });
    expect(long.live).toBe(false);
    expect(long.elog.entries.map((e) => e.message).join("\n")).toMatch(
      /sta="TOOLONG" is not a miniSEED 2 code/,
    );
    await expect(db.saveData(ts(new Float64Array([1]), {}), { format: "mseed" })).rejects.toThrow(
      /storageMode "file"/,
    );
    await expect(
      db.saveData(ts(new Float64Array([1]), {}), { storageMode: "file", format: "sac" as "mseed", dir }),
    ).rejects.toThrow(/format "sac" is not supported/);
  });

  it("writeDistributedData writes miniSEED through the same seam", async () => {
    const data = [0, 1, 2].map((k) =>
      ts(
        Float64Array.from({ length: 500 }, (_, i) => i * (k + 1)),
        { sta: `D${k}`, dfile: "dist.mseed" },
        1_700_000_000 + k,
      ),
    );
    await writeDistributedData(fromSequence(data, { npartitions: 2 }), db, {
      storageMode: "file",
      format: "mseed",
      dir,
      dataTag: "dist",
      scheduler: "none",
    });
    const docs = await db.wf_TimeSeries.find({ data_tag: "dist" }).sort({ sta: 1 }).toArray();
    expect(docs.map((d) => d.format)).toEqual(["mseed", "mseed", "mseed"]);
    const back = (await db.readData(db.wf_TimeSeries.find({ data_tag: "dist" }).sort({ sta: 1 }))) as {
      member: TimeSeries[];
    };
    back.member.forEach((d, k) => {
      expect(d.live).toBe(true);
      expect(Array.from(d.data)).toEqual(Array.from(data[k]!.data));
    });
  });
});
