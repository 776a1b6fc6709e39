// Seismic data objects: construction, validation, time methods, Metadata sync,
// modified tracking, Seismogram layout, ensembles. Pure: no database.
import { describe, expect, it } from "vitest";
import {
  ErrorLogger,
  Metadata,
  ProcessingHistory,
  Seismogram,
  SeismogramEnsemble,
  TimeSeries,
  TimeSeriesEnsemble,
  makeAbortion,
} from "mspass";
import { expectMsPASSErrorSync } from "./helpers.js";

describe("Metadata", () => {
  it("typed getters, has/erase/keys and type errors naming the key", () => {
    const md = new Metadata({ a: 1.5, n: 7, s: "x", b: true, arr: [1, 2], sub: { k: 1 } });
    expect(md.getDouble("a")).toBe(1.5);
    expect(md.getInt("n")).toBe(7);
    expect(md.getString("s")).toBe("x");
    expect(md.getBool("b")).toBe(true);
    expect(md.get<number[]>("arr")).toEqual([1, 2]);
    expect(md.keys().sort()).toEqual(["a", "arr", "b", "n", "s", "sub"]);
    expectMsPASSErrorSync(() => md.getInt("a"), /"a".*not a integer/);
    expectMsPASSErrorSync(() => md.getString("n"), /"n".*not a string/);
    expectMsPASSErrorSync(() => md.getDouble("missing"), /"missing" is not defined/);
    expect(md.erase("s")).toBe(true);
    expect(md.has("s")).toBe(false);
    expectMsPASSErrorSync(() => md.put("", 1), /key must be a non-empty string/);
    expectMsPASSErrorSync(() => md.put("u", undefined as never), /undefined/);
  });

  it("records modified keys until clearModified; erase forgets them; copies keep the set", () => {
    const md = new Metadata({ a: 1, b: 2 });
    expect([...md.modified()].sort()).toEqual(["a", "b"]);
    md.clearModified();
    expect(md.modified().size).toBe(0);
    md.put("b", 3).put("c", 4);
    expect([...md.modified()].sort()).toEqual(["b", "c"]);
    md.erase("c");
    expect([...md.modified()]).toEqual(["b"]);
    const copy = md.clone();
    expect([...copy.modified()]).toEqual(["b"]);
    copy.put("z", 1);
    expect(md.has("z")).toBe(false);
    expect(md.toObject()).toEqual({ a: 1, b: 3 });
  });
});

describe("ErrorLogger and ProcessingHistory", () => {
  it("logs entries with severities and reports the worst", () => {
    const elog = new ErrorLogger();
    expect(elog.worstError()).toBeUndefined();
    elog.log("alg1", "minor", "Complaint");
    elog.log("alg2", "bad", "Invalid");
    elog.log("alg3", "note", "Informational");
    expect(elog.size).toBe(3);
    expect(elog.worstError()).toBe("Invalid");
    expect(elog.entries[1]).toMatchObject({
      algorithm: "alg2",
      message: "bad",
      badness: "Invalid",
      processId: process.pid,
    });
    expect(elog.toLogData()[0]).toEqual({
      job_id: 0,
      algorithm: "alg1",
      badness: "ErrorSeverity.Complaint",
      error_message: "minor",
      process_id: process.pid,
    });
    expectMsPASSErrorSync(() => elog.log("x", "y", "Terrible" as never), /badness must be one of/);
  });

  it("history: origin, raw and chained nodes", () => {
    const h = new ProcessingHistory();
    expect(h.isEmpty()).toBe(true);
    const origin = h.setAsOrigin("readData", "0", "TimeSeries");
    expect(h.current).toMatchObject({
      status: "ORIGIN",
      algorithm: "readData",
      stage: 0,
      type: "TimeSeries",
    });
    const next = h.addNode("filter", "1", "TimeSeries");
    expect(h.current).toMatchObject({ status: "VOLATILE", stage: 1, uuid: next });
    expect(h.inputsOf(next)).toEqual([origin]);
    h.setAsRaw("reader", "2", "Seismogram");
    expect(h.nodes).toHaveLength(1);
    expect(h.current?.status).toBe("RAW");
  });
});

describe("TimeSeries construction", () => {
  it("default construction is dead, npts 0, dt 1, t0 0, Relative", () => {
    const ts = new TimeSeries();
    expect(ts.live).toBe(false);
    expect([ts.npts, ts.dt, ts.t0, ts.tref]).toEqual([0, 1, 0, "Relative"]);
    expect(ts.data.length).toBe(0);
    expect(ts.md.getInt("npts")).toBe(0);
    expect(ts.isAbortion).toBe(false);
  });

  it("options: live, Metadata filled, data adopted without a copy", () => {
    const buf = new Float64Array([1, 2, 3, 4]);
    const ts = new TimeSeries({ dt: 0.01, t0: 1000, tref: "UTC", data: buf, metadata: { sta: "AAK" } });
    expect(ts.live).toBe(true);
    expect(ts.npts).toBe(4);
    expect(ts.data).toBe(buf);
    buf[0] = 42;
    expect(ts.data[0]).toBe(42);
    expect(ts.md.toObject()).toMatchObject({ npts: 4, delta: 0.01, starttime: 1000, sta: "AAK" });
    expect(ts.tref).toBe("UTC");
    // metadata values fill what the options omit; options win over metadata
    const fromMd = new TimeSeries({ metadata: { delta: 0.5, starttime: 3, npts: 2, time_standard: "UTC" } });
    expect([fromMd.dt, fromMd.t0, fromMd.npts, fromMd.tref]).toEqual([0.5, 3, 2, "UTC"]);
    const override = new TimeSeries({ dt: 2, metadata: { delta: 0.5 } });
    expect(override.dt).toBe(2);
  });

  it("bad arguments throw MsPASSError naming the field", () => {
    expectMsPASSErrorSync(() => new TimeSeries({ npts: -1 }), /npts must be a non-negative integer/);
    expectMsPASSErrorSync(() => new TimeSeries({ npts: 2.5 }), /npts must be a non-negative integer/);
    expectMsPASSErrorSync(() => new TimeSeries({ dt: 0 }), /delta \(dt\) must be > 0/);
    expectMsPASSErrorSync(() => new TimeSeries({ dt: -0.1 }), /delta \(dt\) must be > 0/);
    expectMsPASSErrorSync(() => new TimeSeries({ dt: Number.NaN }), /dt must be a finite number/);
    expectMsPASSErrorSync(
      () => new TimeSeries({ t0: Number.POSITIVE_INFINITY }),
      /t0 must be a finite number/,
    );
    expectMsPASSErrorSync(
      () => new TimeSeries({ npts: 3, data: new Float64Array(4) }),
      /data length 4 does not match npts = 3/,
    );
    expectMsPASSErrorSync(
      () => new TimeSeries({ data: [1, 2] as unknown as Float64Array }),
      /data must be a Float64Array/,
    );
    expectMsPASSErrorSync(() => new TimeSeries({ tref: "GPS" as never }), /tref must be "UTC" or "Relative"/);
    expectMsPASSErrorSync(() => new TimeSeries({ npts: "10" as never }), /npts must be a finite number/);
    expectMsPASSErrorSync(
      () => new TimeSeries({ delta: 0.1 } as never),
      /unknown option "delta".*fromMetadata/,
    );
    expectMsPASSErrorSync(() => new TimeSeries(5 as never), /options object or a Metadata/);
    expectMsPASSErrorSync(() => new TimeSeries({ tref: "UTC", t0shift: 5 }), /t0shift is only meaningful/);
  });

  it("fromMetadata: Relative unless time_standard is UTC; a starttime_shift makes relative data convertible", () => {
    const utc = TimeSeries.fromMetadata({
      npts: 3,
      delta: 0.5,
      starttime: 10,
      time_standard: "UTC",
      sta: "X",
    });
    expect([utc.tref, utc.npts, utc.live]).toEqual(["UTC", 3, true]);
    expect(Array.from(utc.data)).toEqual([0, 0, 0]);
    expect(utc.md.getString("sta")).toBe("X");
    const rel = TimeSeries.fromMetadata({ npts: 1, delta: 1, starttime: 0 });
    expect(rel.tref).toBe("Relative");
    expect(rel.shifted()).toBe(false);
    const shifted = TimeSeries.fromMetadata({
      npts: 1,
      delta: 1,
      starttime: 2,
      time_standard: "Relative",
      starttime_shift: 1000,
    });
    expect(shifted.shifted()).toBe(true);
    expect(shifted.timeReference()).toBe(1000);
    const data = new Float64Array(2);
    expect(TimeSeries.fromMetadata({ delta: 1, starttime: 0 }, { data }).data).toBe(data);
    expectMsPASSErrorSync(
      () => TimeSeries.fromMetadata({ npts: 3, starttime: 0 }),
      /required Metadata key "delta" is missing/,
    );
    expectMsPASSErrorSync(
      () => TimeSeries.fromMetadata({ npts: "x", delta: 1, starttime: 0 }),
      /"npts" is not a valid integer/,
    );
    expectMsPASSErrorSync(
      () => TimeSeries.fromMetadata({ npts: -2, delta: 1, starttime: 0 }),
      /npts must be a non-negative integer/,
    );
    expectMsPASSErrorSync(
      () => TimeSeries.fromMetadata({ npts: 3, delta: 1, starttime: 0 }, { data: new Float64Array(2) }),
      /data length 2 does not match npts = 3/,
    );
    // a Metadata instance keeps its own modified set (readers clear it afterwards)
    const md = new Metadata({ npts: 2, delta: 1, starttime: 0, sta: "A" });
    md.clearModified();
    md.put("sta", "B");
    const ts = new TimeSeries(md);
    expect([...ts.md.modified()]).toEqual(["sta"]);
    expect(ts.md).not.toBe(md);
  });
});

describe("TimeSeries time methods", () => {
  it("time, endtime, sampleNumber", () => {
    const ts = new TimeSeries({ npts: 11, dt: 0.1, t0: 5 });
    expect(ts.time(0)).toBe(5);
    expect(ts.time(10)).toBeCloseTo(6, 12);
    expect(ts.endtime()).toBeCloseTo(5 + 10 * 0.1, 12);
    expect(ts.sampleNumber(5.5)).toBe(5);
  });

  it("ator/rtoa round trip; rtoa without a valid shift throws; dead data are ignored", () => {
    const ts = new TimeSeries({ npts: 3, dt: 1, t0: 1_600_000_000, tref: "UTC" });
    ts.ator(1_600_000_000 - 10);
    expect(ts.tref).toBe("Relative");
    expect(ts.t0).toBe(10);
    expect(ts.t0shift).toBe(1_600_000_000 - 10);
    expect(ts.shifted()).toBe(true);
    expect(ts.md.getDouble("starttime")).toBe(10);
    ts.rtoa();
    expect([ts.tref, ts.t0, ts.shifted()]).toEqual(["UTC", 1_600_000_000, false]);

    const rel = new TimeSeries({ npts: 3, dt: 1, t0: 0 });
    const err = expectMsPASSErrorSync(() => rel.rtoa(), /time shift to return to UTC is not defined/);
    expect(err.severity).toBe("Invalid");
    expectMsPASSErrorSync(() => rel.timeReference(), /not valid/);
    const withShift = new TimeSeries({ npts: 3, dt: 1, t0: 2, t0shift: 50 });
    withShift.rtoa();
    expect([withShift.tref, withShift.t0]).toEqual(["UTC", 52]);

    const dead = new TimeSeries({ npts: 1, t0: 100, tref: "UTC", live: false });
    dead.ator(50);
    expect([dead.tref, dead.t0]).toEqual(["UTC", 100]);
  });

  it("kill/setLive and the live setter", () => {
    const ts = new TimeSeries({ npts: 1 });
    ts.kill();
    expect(ts.live).toBe(false);
    expect(ts.dead).toBe(true);
    ts.setLive();
    expect(ts.live).toBe(true);
    expectMsPASSErrorSync(() => {
      ts.live = 1 as never;
    }, /live must be a boolean/);
  });
});

describe("TimeSeries Metadata sync", () => {
  it("setting properties updates Metadata and marks keys modified", () => {
    const ts = new TimeSeries({ npts: 4, dt: 1, t0: 0 });
    ts.md.clearModified();
    ts.dt = 0.25;
    ts.t0 = 7;
    expect(ts.md.getDouble("delta")).toBe(0.25);
    expect(ts.md.getDouble("starttime")).toBe(7);
    expect([...ts.md.modified()].sort()).toEqual(["delta", "starttime"]);
  });

  it("putting synced keys in Metadata updates the datum; npts resizes the buffer either way", () => {
    const ts = new TimeSeries({ data: new Float64Array([1, 2, 3, 4]) });
    ts.md.put("delta", 0.5);
    expect(ts.dt).toBe(0.5);
    ts.md.put("starttime", 9);
    expect(ts.time(1)).toBe(9.5);
    ts.md.put("npts", 2);
    expect(Array.from(ts.data)).toEqual([1, 2]);
    ts.npts = 5;
    expect(Array.from(ts.data)).toEqual([1, 2, 0, 0, 0]);
    expect(ts.md.getInt("npts")).toBe(5);
    ts.data = new Float64Array(3);
    expect(ts.npts).toBe(3);
    expect(ts.md.getInt("npts")).toBe(3);
  });

  it("invalid values are rejected through Metadata too, and synced keys cannot be erased", () => {
    const ts = new TimeSeries({ npts: 2 });
    expectMsPASSErrorSync(() => ts.md.put("delta", -1), /delta \(dt\) must be > 0/);
    expectMsPASSErrorSync(() => ts.md.put("npts", -3), /npts must be a non-negative integer/);
    expectMsPASSErrorSync(() => ts.md.put("starttime", "now"), /starttime \(t0\) must be a finite number/);
    expectMsPASSErrorSync(() => {
      ts.npts = 1.5;
    }, /npts must be a non-negative integer/);
    expect([ts.npts, ts.dt, ts.data.length]).toEqual([2, 1, 2]);
    expectMsPASSErrorSync(() => ts.md.erase("npts"), /kept in step/);
    // a copy of the Metadata is free of the binding
    const copy = ts.md.clone();
    copy.put("delta", 99);
    copy.erase("npts");
    expect(ts.dt).toBe(1);
  });
});

describe("Seismogram", () => {
  it("one component-major buffer of 3·npts; component(k) is a view", () => {
    const buf = new Float64Array([0, 1, 2, 10, 11, 12, 20, 21, 22]);
    const s = new Seismogram({ npts: 3, dt: 0.1, data: buf });
    expect(s.data).toBe(buf);
    expect(Array.from(s.component(1))).toEqual([10, 11, 12]);
    s.component(2)[0] = -1;
    expect(buf[6]).toBe(-1);
    expect(s.component(0).buffer).toBe(buf.buffer);
    expectMsPASSErrorSync(() => s.component(3), /k must be 0, 1 or 2/);
  });

  it("resizing keeps each component's leading samples", () => {
    const s = new Seismogram({ data: new Float64Array([1, 2, 3, 4, 5, 6]) });
    expect(s.npts).toBe(2);
    s.npts = 3;
    expect(Array.from(s.data)).toEqual([1, 2, 0, 3, 4, 0, 5, 6, 0]);
    s.md.put("npts", 1);
    expect(Array.from(s.data)).toEqual([1, 3, 5]);
  });

  it("tmatrix: identity by default, flat 9 row-major in Metadata, cardinal/orthogonal", () => {
    const s = new Seismogram({ npts: 1 });
    expect(s.tmatrix).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect([s.cardinal, s.orthogonal]).toEqual([true, true]);
    const c = Math.SQRT1_2;
    s.tmatrix = [
      [c, c, 0],
      [-c, c, 0],
      [0, 0, 1],
    ];
    expect(s.md.get("tmatrix")).toEqual([c, c, 0, -c, c, 0, 0, 0, 1]);
    expect([s.cardinal, s.orthogonal]).toEqual([false, true]);
    s.tmatrix = [1, 2, 0, 0, 1, 0, 0, 0, 1];
    expect(s.tmatrix[0]).toEqual([1, 2, 0]);
    expect([s.cardinal, s.orthogonal]).toEqual([false, false]);
    // the getter hands out a copy
    s.tmatrix[0]![0] = 99;
    expect(s.tmatrix[0]![0]).toBe(1);
    expectMsPASSErrorSync(() => {
      s.tmatrix = [
        [1, 0],
        [0, 1],
      ];
    }, /tmatrix must be a 3×3 array/);
    expectMsPASSErrorSync(() => {
      s.tmatrix = [1, 0, 0, 0, 1, 0, 0, 0, "x"] as never;
    }, /tmatrix element 8 must be a finite number/);
  });

  it("construction errors and fromMetadata with tmatrix", () => {
    expectMsPASSErrorSync(
      () => new Seismogram({ npts: 2, data: new Float64Array(4) }),
      /data length 4 does not match 3 × npts = 6/,
    );
    expectMsPASSErrorSync(() => new Seismogram({ data: new Float64Array(4) }), /not a multiple of 3/);
    const s = Seismogram.fromMetadata({
      npts: 2,
      delta: 1,
      starttime: 0,
      time_standard: "UTC",
      tmatrix: [0, 1, 0, 1, 0, 0, 0, 0, 1],
    });
    expect(s.data.length).toBe(6);
    expect(s.tmatrix).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect([s.cardinal, s.orthogonal]).toEqual([false, true]);
    expectMsPASSErrorSync(
      () => Seismogram.fromMetadata({ npts: 1, delta: 1, starttime: 0, tmatrix: [1, 2] }),
      /tmatrix/,
    );
    const viaOptions = new Seismogram({
      npts: 1,
      tmatrix: [
        [0, 0, 1],
        [0, 1, 0],
        [1, 0, 0],
      ],
    });
    expect(viaOptions.tmatrixFlat()).toEqual([0, 0, 1, 0, 1, 0, 1, 0, 0]);
  });
});

describe("Ensembles", () => {
  const member = (live: boolean) => new TimeSeries({ npts: 2, live });

  it("live unless killed, empty or all members dead", () => {
    expect(new TimeSeriesEnsemble().live).toBe(false);
    const e = new TimeSeriesEnsemble([member(false), member(true)]);
    expect(e.live).toBe(true);
    e.member[1]!.kill();
    expect(e.live).toBe(false);
    e.member[0]!.setLive();
    expect(e.live).toBe(true);
    e.kill();
    expect(e.live).toBe(false);
    expect(e.member[0]!.live).toBe(true); // kill marks the ensemble only
    e.setLive();
    expect(e.live).toBe(true);
  });

  it("syncMetadata copies ensemble keys to members (all but the sample-describing ones, or the listed ones)", () => {
    const e = new TimeSeriesEnsemble([member(true), member(true)], {
      source_id: "s1",
      evname: "quake",
      npts: 9,
    });
    e.syncMetadata();
    for (const m of e.member) {
      expect(m.md.get("source_id")).toBe("s1");
      expect(m.md.get("evname")).toBe("quake");
      expect(m.npts).toBe(2);
    }
    e.md.put("evname", "other");
    e.syncMetadata(["evname"]);
    expect(e.member[0]!.md.get("evname")).toBe("other");
    e.syncMetadata(["npts"]);
    expect(e.member[1]!.data.length).toBe(9);
    expectMsPASSErrorSync(() => e.syncMetadata(["nope"]), /"nope" is not in the ensemble Metadata/);
  });

  it("members are type-checked", () => {
    expectMsPASSErrorSync(
      () => new SeismogramEnsemble([new TimeSeries()] as never),
      /member\[0\] must be a Seismogram/,
    );
    expectMsPASSErrorSync(() => new TimeSeriesEnsemble("x" as never), /members must be an array/);
    const se = new SeismogramEnsemble([new Seismogram({ npts: 1 })]);
    expect(se.live).toBe(true);
    se.member.push(new TimeSeries() as never);
    expectMsPASSErrorSync(() => se.syncMetadata(), /member\[1\] must be a Seismogram/);
  });
});

describe("abortions", () => {
  it("a dead isAbortion datum keeps the document keys and the reasons, never throwing on bad values", () => {
    const doc = { npts: "lots", delta: -1, starttime: 5, sta: "AAK", storage_mode: "tape" };
    const a = makeAbortion("TimeSeries", doc, [
      { algorithm: "readData", message: "npts is not an integer", badness: "Invalid" },
    ]);
    expect(a).toBeInstanceOf(TimeSeries);
    expect([a.live, a.isAbortion, a.npts, a.dt, a.t0, a.data.length]).toEqual([false, true, 0, 1, 5, 0]);
    expect(a.md.get("sta")).toBe("AAK");
    expect(a.md.get("storage_mode")).toBe("tape");
    expect(a.elog.worstError()).toBe("Invalid");
    expect(a.elog.entries[1]!.message).toMatch(/not kept in the dead datum: npts="lots", delta=-1/);
    expect(a.md.modified().size).toBe(0);
    const s = makeAbortion("Seismogram", new Metadata({ npts: 1e9, delta: 0.1 }));
    expect(s).toBeInstanceOf(Seismogram);
    expect([s.npts, s.dt, s.data.length]).toEqual([0, 0.1, 0]);
    expectMsPASSErrorSync(
      () => makeAbortion("Trace" as never, {}),
      /type must be "TimeSeries" or "Seismogram"/,
    );
  });
});
