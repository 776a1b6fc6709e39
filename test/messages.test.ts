/**
 * Bad input is never accepted silently: indexMseedFile says what it indexed
 * and refused, NaN/Inf samples and a miniSEED FLOAT64 fallback leave elog
 * warnings on the saved datum, and a connection failure says what was tried
 * and what to do instead of the driver's topology dump.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Client, TimeSeries, findFreePort, type MsPASSError } from "mspass";
import { startRedisServer } from "mspass/testing";
import { useTestDatabase } from "./helpers.js";

const FIX = join(import.meta.dirname, "fixtures", "miniseed");
const { db, rdb, dir } = await useTestDatabase("messages");

function series(values: number[]): TimeSeries {
  const ts = new TimeSeries({ npts: values.length, dt: 0.01, t0: 0 });
  ts.data.set(values);
  for (const [k, v] of Object.entries({ net: "XX", sta: "ABC", chan: "HHZ" })) ts.md.put(k, v);
  return ts;
}

describe("indexMseedFile says what was indexed and what was refused", () => {
  it("a text file: nothing indexed, the reason returned", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "this is not miniSEED\n".repeat(50));
    const r = await db.indexMseedFile(text);
    expect(r).toMatchObject({ file: text, indexed: 0, wfIds: [] });
    expect(r.refused.join()).toMatch(/valid packets/);
    expect(r.elogIds).toHaveLength(1);
  });

  it("a good file: its segments, nothing refused", async () => {
    const r = await db.indexMseedFile("1T_MONN_00_EDH.mseed", { dir: FIX });
    expect(r.indexed).toBe(1);
    expect(r.refused).toEqual([]);
    expect(await rdb.collection("wf_miniseed").countDocuments({ _id: { $in: r.wfIds } })).toBe(1);
  });
});

describe("sample values saved with a warning", () => {
  it("NaN and infinite samples: saved, with an elog Complaint saying how many", async () => {
    const ts = series([1, Number.NaN, 3, Number.POSITIVE_INFINITY, 5]);
    const saved = (await db.saveData(ts, { returnData: true })) as TimeSeries;
    expect(saved.live).toBe(true);
    const doc = await rdb.collection("wf_TimeSeries").findOne({ _id: saved.md.get("_id") as never });
    const elog = await rdb.collection("elog").findOne({ _id: doc!.elog_id });
    expect(elog!.logdata[0].error_message).toMatch(/1 NaN and 1 infinite sample\(s\) of 5/);
    expect(elog!.logdata[0].badness).toBe("ErrorSeverity.Complaint");
  });

  it("a single non-finite sample is found wherever it is (each of four sums and the tail)", async () => {
    const clean = (await db.saveData(series([1, 2, 3, 4, 5, 6, 7, 8, 9]), {
      returnData: true,
    })) as TimeSeries;
    expect(clean.elog.size).toBe(0);
    for (let at = 0; at < 9; at++) {
      const v = Array.from({ length: 9 }, (_x, i) => (i === at ? Number.NEGATIVE_INFINITY : i));
      const saved = (await db.saveData(series(v), { returnData: true })) as TimeSeries;
      expect(saved.elog.size, `-Infinity at ${at}`).toBe(1);
    }
  });

  it("miniSEED of non-integer samples: FLOAT64 instead of Steim2, said in elog", async () => {
    const ints = (await db.saveData(series([1, 2, 3]), {
      storageMode: "file",
      format: "mseed",
      dir,
      dfile: "a.mseed",
      returnData: true,
    })) as TimeSeries;
    expect(ints.elog.size).toBe(0);
    const floats = (await db.saveData(series([1.5, 2, 3]), {
      storageMode: "file",
      format: "mseed",
      dir,
      dfile: "a.mseed",
      returnData: true,
    })) as TimeSeries;
    expect(floats.live).toBe(true);
    const doc = await rdb.collection("wf_TimeSeries").findOne({ _id: floats.md.get("_id") as never });
    const elog = await rdb.collection("elog").findOne({ _id: doc!.elog_id });
    expect(elog!.logdata[0].error_message).toMatch(/FLOAT64, not Steim2/);
  });
});

describe("a database that does not answer", () => {
  it("names the address and where it came from, the reason in a phrase, and what to do", async () => {
    const port = await findFreePort();
    let err: MsPASSError | undefined;
    try {
      await Client.connect({
        env: { MSPASS_DB_ADDRESS: `mongodb://bob:hunter2@127.0.0.1:${port}/` },
        serverSelectionTimeoutMS: 1000,
        scheduler: "none",
      });
    } catch (e) {
      err = e as MsPASSError;
    }
    expect(err?.message).toMatch(
      new RegExp(
        `^Client\\.connect: no database answered at mongodb://\\*\\*\\*@127\\.0\\.0\\.1:${port}/ \\(from MSPASS_DB_ADDRESS\\) within 1 s: .*[Cc]onnection refused`,
      ),
    );
    expect(err!.message).toContain("mspass db start");
    expect(err!.message).not.toMatch(/Topology|labels|hunter2/);
  });
});

describe("hints name commands that exist in a user's project", () => {
  it("a missing redis-server points at the installed package's script, by a path that exists", async () => {
    const err = (await startRedisServer({ bin: join(dir, "no-such-redis-server") }).catch(
      (e: unknown) => e,
    )) as Error;
    const m = /bash (\S+ensure-redis\.sh)/.exec(err.message);
    expect(m, err.message).not.toBeNull();
    expect(existsSync(m![1]!)).toBe(true);
    expect(err.message).not.toMatch(/npm run /);
  });
});
