/**
 * Data objects cross every scheduler boundary as themselves: TimeSeries,
 * Seismogram and both ensembles through submit, map, scatter, bags and
 * asCompleted, on the LocalScheduler and on the RedisScheduler (a
 * throw-away redis-server and one `mspass worker` process), compared field
 * by field and sample by sample with the original. Also the codec itself:
 * every state it carries, and garbage refused with an error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BSON } from "mongodb";
import {
  decodeFrame,
  encodeFrame,
  fromSequence,
  LocalScheduler,
  makeAbortion,
  Metadata,
  MsPASSError,
  RedisScheduler,
  Seismogram,
  SeismogramEnsemble,
  TimeSeries,
  TimeSeriesEnsemble,
  transfer,
  type DataObject,
} from "mspass";
import { BsonReader, BsonWriter } from "../dist/data/codec-bson.js";
import { startCluster, type Cluster } from "./redis/cluster.js";

// ---------------------------------------------------------------- fixtures

function richMetadata(i: number): Record<string, unknown> {
  return {
    sta: `S${i}`,
    chan: "BHZ",
    count: 7 + i,
    ratio: 0.25,
    flag: true,
    nothing: null,
    big: 2n ** 60n,
    long: BSON.Long.fromNumber(12345678901),
    int32: new BSON.Int32(42),
    double: new BSON.Double(3),
    oid: new BSON.ObjectId("0123456789abcdef01234567"),
    when: new Date(Date.UTC(2020, 1, 2, 3, 4, 5)),
    bytes: new Uint8Array([1, 2, 3]),
    buf: Buffer.from([9, 8]),
    dec: BSON.Decimal128.fromString("1.5"),
    nested: { a: [1, "two", { l: BSON.Long.fromNumber(5) }], d: new BSON.Int32(1) },
    list: [1.5, 2.5, -0],
  };
}

function timeSeries(i: number, npts = 257): TimeSeries {
  const data = new Float64Array(npts);
  for (let k = 0; k < npts; k++) data[k] = Math.sin(k * 0.1 + i) * 1e3 + i;
  const ts = new TimeSeries({
    data,
    dt: 0.025,
    t0: 1_600_000_000 + i,
    tref: "UTC",
    metadata: richMetadata(i),
  });
  ts.md.clearModified();
  ts.md.put("chan", "BHN").put("count", 99); // a partial modified set
  ts.elog.log("codec-test", `complaint ${i}`, "Complaint");
  ts.history.setAsOrigin("reader", "r1", "TimeSeries");
  ts.history.addNode("filter", "f1", "TimeSeries");
  ts.history.opaqueParent = new Uint8Array([0x80, 4, 0x95]);
  return ts;
}

function seismogram(i: number, npts = 100): Seismogram {
  const data = new Float64Array(3 * npts);
  for (let k = 0; k < data.length; k++) data[k] = k * 0.5 - i;
  const s = new Seismogram({
    data,
    dt: 0.01,
    t0: 10 + i,
    metadata: { sta: `Z${i}`, long: BSON.Long.fromNumber(7) },
  });
  const c = Math.cos(0.3);
  const sn = Math.sin(0.3);
  s.tmatrix = [
    [c, sn, 0],
    [-sn, c, 0],
    [0, 0, 1],
  ];
  s.forceT0Shift(123.5);
  s.elog.log("rotate", "rotated", "Informational");
  return s;
}

function deadTimeSeries(): TimeSeries {
  const ts = timeSeries(3, 10);
  ts.elog.log("qc", "clipped", "Invalid");
  ts.kill();
  return ts;
}

function objects(): Record<string, DataObject> {
  const tse = new TimeSeriesEnsemble([timeSeries(0), timeSeries(1, 5), deadTimeSeries()], {
    evid: 17,
    o: new BSON.Int32(3),
  });
  tse.elog.log("ens", "ensemble complaint", "Suspect");
  const se = new SeismogramEnsemble([seismogram(0), seismogram(1, 3)], { evid: BSON.Long.fromNumber(9) });
  se.kill();
  return {
    TimeSeries: timeSeries(0),
    Seismogram: seismogram(2),
    TimeSeriesEnsemble: tse,
    SeismogramEnsemble: se,
    dead: deadTimeSeries(),
    abortion: makeAbortion("Seismogram", { sta: "X", npts: "bad" }, [
      { algorithm: "read", message: "no samples", badness: "Invalid" },
    ]),
  };
}

// ---------------------------------------------------------------- equality

function mdSame(a: Metadata, b: Metadata): void {
  expect(b.keys().sort()).toEqual(a.keys().sort());
  for (const [k, v] of a) {
    const w = b.get(k);
    expect(w?.constructor?.name, `Metadata ${k}`).toBe((v as object | null)?.constructor?.name);
    expect(w, `Metadata ${k}`).toEqual(v);
  }
  expect([...b.modified()].sort()).toEqual([...a.modified()].sort());
}

function atomicSame(a: TimeSeries | Seismogram, b: unknown): void {
  expect((b as object).constructor.name).toBe(a.constructor.name);
  const d = b as TimeSeries | Seismogram;
  expect(d.data).toBeInstanceOf(Float64Array);
  expect(d.npts).toBe(a.npts);
  expect(d.dt).toBe(a.dt);
  expect(d.t0).toBe(a.t0);
  expect(d.live).toBe(a.live);
  expect(d.isAbortion).toBe(a.isAbortion);
  expect(d.tref).toBe(a.tref);
  expect(d.t0shift).toBe(a.t0shift);
  expect(d.shifted()).toBe(a.shifted());
  expect(d.data.length).toBe(a.data.length);
  for (let k = 0; k < a.data.length; k++)
    if (!Object.is(d.data[k], a.data[k])) expect(d.data[k], `sample ${k}`).toBe(a.data[k]);
  mdSame(a.md, d.md);
  expect(d.elog.jobId).toBe(a.elog.jobId);
  expect(d.elog.entries).toEqual(a.elog.entries);
  expect(d.history.toDocument()).toEqual(a.history.toDocument());
  expect(d.history.opaqueParent).toEqual(a.history.opaqueParent);
  if (a instanceof Seismogram) {
    const s = d as Seismogram;
    expect(s.tmatrix).toEqual(a.tmatrix);
    expect(s.cardinal).toBe(a.cardinal);
    expect(s.orthogonal).toBe(a.orthogonal);
    expect(s.component(2)).toEqual(a.component(2));
  }
}

function same(a: DataObject, b: unknown): void {
  if (a instanceof TimeSeries || a instanceof Seismogram) {
    atomicSame(a, b);
    return;
  }
  expect((b as object).constructor.name).toBe(a.constructor.name);
  const e = b as TimeSeriesEnsemble | SeismogramEnsemble;
  expect(e.live).toBe(a.live);
  mdSame(a.md, e.md);
  expect(e.elog.entries).toEqual(a.elog.entries);
  expect(e.member.length).toBe(a.member.length);
  a.member.forEach((m, i) => atomicSame(m, e.member[i]));
}

// ---------------------------------------------------------------- the codec alone

describe("data codec", () => {
  it("round-trips every object type with all its state", () => {
    for (const [name, d] of Object.entries(objects())) {
      const frame = encodeFrame(d);
      expect(frame.byteOffset % 8, name).toBe(0);
      same(d, decodeFrame(frame));
    }
  });

  it("frames small and large (put together in the writer's buffer or not) carry the same data", () => {
    for (const npts of [0, 1, 100, 8000, 8300, 20_000]) {
      const ts = timeSeries(npts % 7, npts);
      const whole = encodeFrame(ts);
      expect(whole.byteLength, `npts ${npts}`).toBe(whole.buffer.byteLength); // a buffer of its own
      same(ts, decodeFrame(whole));
    }
    const big = new TimeSeriesEnsemble([timeSeries(1, 5000), timeSeries(2, 5000)], { evid: 4 });
    same(big, decodeFrame(encodeFrame(big)));
    const after = timeSeries(3, 7);
    same(after, decodeFrame(encodeFrame(after))); // a small one after a large one
  });

  it("decodes samples as views into the frame (no copy)", () => {
    const ts = timeSeries(1, 1000);
    const frame = encodeFrame(ts);
    const back = decodeFrame(frame) as TimeSeries;
    expect(back.data.buffer).toBe(frame.buffer);
  });

  it("refuses truncated and garbage frames with an MsPASSError", () => {
    const frame = encodeFrame(objects().TimeSeriesEnsemble);
    for (const cut of [0, 3, 15, 16, 40, frame.length - 8, frame.length - 1]) {
      expect(() => decodeFrame(frame.slice(0, cut)), `cut at ${cut}`).toThrow(MsPASSError);
    }
    const bad = frame.slice();
    bad[5] = 9; // unknown kind
    expect(() => decodeFrame(bad)).toThrow(/unknown kind 9/);
    const huge = frame.slice();
    new DataView(huge.buffer).setBigUint64(16, 2n ** 62n, true); // absurd sample count
    expect(() => decodeFrame(huge)).toThrow(MsPASSError);
    const junk = new Uint8Array(200).map((_, i) => (i * 37) & 255);
    expect(() => decodeFrame(junk)).toThrow(MsPASSError);
  });

  it("writes the BSON bytes js-bson writes, and reads back what js-bson reads", () => {
    const docs: Record<string, unknown>[] = [
      richMetadata(1),
      {
        ints: [0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 0.5, -0, NaN, Infinity],
        text: ["", "ascii", "é ü 日本 🎉", "nul\u0000inside", "lone \ud800 surrogate"],
        clé: { ключ: [true, false, null, undefined, new Date(0), new Date(-1)] },
        deep: { a: { b: { c: [[1], [2, [3n]]] } } },
        re: /x+/g,
        code: new BSON.Code("f()"),
        ts: new BSON.Timestamp({ t: 1, i: 2 }),
        uuid: new BSON.UUID("0123456789abcdef0123456789abcdef"),
        fn: () => 1,
        skipped: undefined,
      },
    ];
    const opts = { useBigInt64: true, bsonRegExp: true } as const;
    for (const doc of docs) {
      const w = new BsonWriter();
      w.reset(0);
      const at = w.begin();
      for (const k of Object.keys(doc)) w.value(k, doc[k]);
      w.end(at);
      const ours = w.buf.slice(0, w.pos);
      const theirs = BSON.serialize(doc, { ignoreUndefined: true });
      expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
      const back = new BsonReader(ours).document(0, ours.length);
      expect(back).toEqual(BSON.deserialize(theirs, opts));
      expect(new BsonReader(ours).map(0, ours.length)).toEqual(new Map(Object.entries(back)));
    }
    // Invalid UTF-8 in a key or a string is refused, as js-bson refuses it.
    const w = new BsonWriter();
    w.reset(0);
    const at = w.begin();
    w.value("k", "ab");
    w.end(at);
    const bad = w.buf.slice(0, w.pos);
    bad[11] = 0xff;
    expect(() => new BsonReader(bad).document(0, bad.length)).toThrow();
    expect(() => BSON.deserialize(bad)).toThrow();
  });

  it("names a Metadata value BSON cannot hold", () => {
    const ts = new TimeSeries({ npts: 2 });
    ts.md.put("fn", (() => 1) as never);
    ts.md.put("bad\u0000key", 1);
    expect(() => encodeFrame(ts)).toThrow(/cannot be encoded as BSON/);
  });
});

// ---------------------------------------------------------------- through the schedulers

// Self-contained task functions (sent as source).
const identity = (x: unknown) => x;
const describeArg = (x: {
  constructor: { name: string };
  data?: unknown;
  npts?: number;
  live?: boolean;
}) => ({
  name: x.constructor.name,
  f64: x.data instanceof Float64Array,
  npts: x.npts,
  live: x.live,
});
const demean = (ts: { data: Float64Array; npts: number }) => {
  const mean = ts.data.reduce((a, b) => a + b, 0) / ts.npts;
  for (let i = 0; i < ts.npts; i++) ts.data[i] -= mean;
  return ts;
};
const membersOf = (e: { member: unknown[] }) => e.member;
const wrap = (x: unknown) => ({ inside: [new Map([["d", x]])] });

function schedulerCases(get: () => LocalScheduler): void {
  it("a TimeSeries arrives in the worker as a TimeSeries", async () => {
    const s = get();
    const ts = timeSeries(0);
    expect(await s.submit(describeArg, ts).result()).toEqual({
      name: "TimeSeries",
      f64: true,
      npts: ts.npts,
      live: true,
    });
    const out = (await s.submit(demean, ts).result()) as TimeSeries;
    expect(out).toBeInstanceOf(TimeSeries);
    expect(Math.abs(out.data.reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
    expect(ts.data[0]).toBe(timeSeries(0).data[0]); // the caller's copy is untouched
  });

  it("every object type through submit, map, scatter, bags and asCompleted", async () => {
    const s = get();
    const objs = objects();
    for (const [name, d] of Object.entries(objs)) {
      same(d, await s.submit(identity, d).result());
      const [m] = s.map(identity, [d]);
      same(d, await m.result());
      const scattered = s.scatter(d);
      same(d, await s.submit(identity, scattered).result());
      const nested = (await s.submit(wrap, d).result()) as { inside: Map<string, unknown>[] };
      same(d, nested.inside[0].get("d"));
      expect(name).toBeTruthy();
    }
    const list = Object.values(objs);
    const computed = await fromSequence(list, { npartitions: 2 }).map(identity).compute({ scheduler: s });
    expect(computed.length).toBe(list.length);
    list.forEach((d, i) => same(d, computed[i]));
    const futures = s.map(identity, list);
    const seen = new Map<unknown, unknown>();
    for await (const f of s.asCompleted(futures)) seen.set(f, await (f as (typeof futures)[number]).result());
    futures.forEach((f, i) => same(list[i], seen.get(f)));
  });

  it("a dead datum stays dead with its elog; a Seismogram keeps its tmatrix", async () => {
    const s = get();
    const dead = deadTimeSeries();
    const back = (await s.submit(identity, dead).result()) as TimeSeries;
    expect(back.dead).toBe(true);
    expect(back.elog.worstError()).toBe("Invalid");
    const seis = seismogram(1);
    const sb = (await s.submit(identity, seis).result()) as Seismogram;
    expect(sb.tmatrix).toEqual(seis.tmatrix);
    expect(sb.cardinal).toBe(false);
    expect(sb.orthogonal).toBe(true);
  });

  it("ensemble members come back as a typed array of data", async () => {
    const s = get();
    const e = objects().TimeSeriesEnsemble as TimeSeriesEnsemble;
    const members = (await s.submit(membersOf, e).result()) as TimeSeries[];
    e.member.forEach((m, i) => same(m, members[i]));
  });
}

describe("LocalScheduler", () => {
  let s: LocalScheduler;
  beforeAll(async () => {
    s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
  });
  afterAll(async () => {
    await s?.close();
  });
  schedulerCases(() => s);

  it("transfer(datum) moves its samples; a plain submit copies them", async () => {
    const ts = timeSeries(5, 4096);
    const want = decodeFrame(encodeFrame(ts)); // an independent copy
    same(want, await s.submit(identity, ts).result());
    expect(ts.data.length).toBe(4096); // kept
    const back = await s.submit(identity, transfer(ts)).result();
    expect(ts.data.buffer.byteLength).toBe(0); // moved away
    same(want, back);
  });

  it("transfer(datum) of data viewing one shared buffer copies its samples and leaves the others whole", async () => {
    // The members of one read view one sample buffer; moving it would empty every sibling.
    const shared = new Float64Array(3 * 1024).map((_x, i) => i);
    const [a, b] = [0, 1].map(
      (k) => new TimeSeries({ dt: 0.01, t0: k, data: shared.subarray(k * 1024, (k + 1) * 1024) }),
    );
    const want = decodeFrame(encodeFrame(a!));
    same(want, await s.submit(identity, transfer(a!)).result());
    expect(shared.buffer.byteLength).toBe(3 * 1024 * 8); // not moved
    expect(Array.from(b!.data.subarray(0, 3))).toEqual([1024, 1025, 1026]);
  });

  it("a task returning scattered data does not take it from the worker", async () => {
    const d = timeSeries(2, 512);
    const f = s.scatter(d, { broadcast: true });
    await f.result();
    for (let k = 0; k < 4; k++) same(d, await s.submit(identity, f).result());
  });

  it("user classes and plain values still travel as structured clone", async () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    const r = await s
      .submit(identity, { p: new Point(1, 2), a: new Float64Array([1, 2]), m: new Map([[1, "a"]]) })
      .result();
    expect(r).toEqual({ p: { x: 1, y: 2 }, a: new Float64Array([1, 2]), m: new Map([[1, "a"]]) });
  });
});

describe("RedisScheduler (1 mspass worker process)", () => {
  let cluster: Cluster | undefined;
  let s: RedisScheduler | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ workers: 1, nthreads: 2 });
    s = await RedisScheduler.start({ address: cluster.url, dashboard: false });
    await s.waitForWorkers(1);
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await cluster?.stop();
  });
  schedulerCases(() => s as unknown as LocalScheduler);
});
