/**
 * A decoded datum keeps its Metadata in the frame's head until first used:
 * what it reads, changes and re-encodes must be exactly what an eagerly
 * decoded one would (values and their BSON types, key order, the modified
 * set), a Metadata never used is written back byte for byte, and bad bytes
 * in it are an MsPASSError at first use.
 */
import { describe, expect, it } from "vitest";
import { BSON } from "mongodb";
import {
  decodeFrame,
  encodeFrame,
  Metadata,
  MsPASSError,
  Seismogram,
  SeismogramEnsemble,
  TimeSeries,
  TimeSeriesEnsemble,
  type DataObject,
} from "mspass";

function timeSeries(i: number): TimeSeries {
  const ts = new TimeSeries({
    data: new Float64Array(50).map((_, k) => k * 0.5 + i),
    dt: 0.01,
    t0: 1_600_000_000.25 + i,
    tref: "UTC",
    metadata: {
      sta: `S${i}`,
      chan: "BHZ",
      count: 7 + i,
      ratio: 0.25,
      big: 2n ** 60n,
      int32: new BSON.Int32(42),
      long: BSON.Long.fromNumber(12345678901),
      oid: new BSON.ObjectId("0123456789abcdef01234567"),
      bytes: new Uint8Array([1, 2, 3]),
      nested: { a: [1, "two", { d: new BSON.Double(3) }] },
    },
  });
  return ts;
}

/** Same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): void {
  expect(a.length).toBe(b.length);
  expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
}

function modifiedOf(md: Metadata): string[] {
  return [...md.modified()].sort();
}

describe("a decoded datum's Metadata", () => {
  it("re-encodes byte for byte, used or not, and whatever its modified set", () => {
    const all = timeSeries(0); // every key modified (built here)
    const some = timeSeries(1);
    some.md.clearModified();
    some.md.put("chan", "BHN").put("count", 99);
    const none = timeSeries(2);
    none.md.clearModified();
    for (const d of [all, some, none]) {
      const frame = encodeFrame(d);
      sameBytes(encodeFrame(decodeFrame(frame)), frame); // never used: copied
      const used = decodeFrame(frame) as TimeSeries;
      expect(used.md.get("sta")).toBe(d.md.get("sta")); // loaded now
      sameBytes(encodeFrame(used), frame); // written from its values: the same bytes
      expect(modifiedOf(used.md)).toEqual(modifiedOf(d.md));
    }
    const ens = new TimeSeriesEnsemble([all, some, none], { evid: 3 });
    const frame = encodeFrame(ens);
    const back = decodeFrame(frame) as TimeSeriesEnsemble;
    sameBytes(encodeFrame(back), frame);
    back.member[1].md.keys(); // one member loaded, the others not
    sameBytes(encodeFrame(back), frame);
  });

  it("gives npts, delta, starttime (and whether tmatrix is there) before loading, then every value with its type", () => {
    const d = timeSeries(3);
    const back = decodeFrame(encodeFrame(d)) as TimeSeries;
    expect(back.npts).toBe(50);
    expect(back.dt).toBe(0.01);
    expect(back.t0).toBe(1_600_000_000.25 + 3);
    expect(back.md.has("npts")).toBe(true);
    expect(back.md.has("tmatrix")).toBe(false);
    expect(back.md.keys()).toEqual(d.md.keys()); // key order kept
    for (const [k, v] of d.md) {
      const w = back.md.get(k);
      expect(w?.constructor?.name, k).toBe((v as object | null)?.constructor?.name);
      expect(w, k).toEqual(v);
    }
    const s = new Seismogram({ npts: 4, dt: 0.5 });
    s.tmatrix = [0, 1, 0, -1, 0, 0, 0, 0, 1];
    const sb = decodeFrame(encodeFrame(s)) as Seismogram;
    expect(sb.md.has("tmatrix")).toBe(true);
    expect(sb.tmatrix).toEqual(s.tmatrix);
    expect(sb.cardinal).toBe(false);
    expect(sb.md.get("tmatrix")).toEqual(s.md.get("tmatrix"));
  });

  it("changes like any Metadata: puts mark keys modified, synced keys stay in step with the samples", () => {
    const d = timeSeries(4);
    d.md.clearModified();
    d.md.put("chan", "HHZ");
    const back = decodeFrame(encodeFrame(d)) as TimeSeries;
    expect(modifiedOf(back.md)).toEqual(["chan"]);
    back.md.put("sta", "NEW");
    expect(back.md.isModified("sta")).toBe(true);
    expect(back.md.isModified("ratio")).toBe(false);
    back.npts = 60; // through the datum's guard: resizes the samples
    expect(back.data.length).toBe(60);
    expect(back.data[49]).toBe(d.data[49]);
    expect(modifiedOf(back.md)).toEqual(["chan", "npts", "sta"]);
    expect(back.md.erase("ratio")).toBe(true);
    expect(() => back.md.erase("delta")).toThrow(MsPASSError);
    const again = decodeFrame(encodeFrame(back)) as TimeSeries;
    expect(again.md.toObject()).toEqual(back.md.toObject());
    expect(modifiedOf(again.md)).toEqual(["chan", "npts", "sta"]);
    expect(again.npts).toBe(60);
    // A clone made before loading is independent and complete.
    const other = decodeFrame(encodeFrame(d)) as TimeSeries;
    const copy = other.md.clone();
    copy.put("sta", "COPY");
    expect(other.md.get("sta")).toBe("S4");
    expect(modifiedOf(copy)).toEqual(["chan", "sta"]);
    // clearModified before loading
    const fresh = decodeFrame(encodeFrame(d)) as TimeSeries;
    fresh.md.clearModified();
    expect(fresh.md.modified().size).toBe(0);
    expect(fresh.md.get("chan")).toBe("HHZ");
  });

  it("of every member of both ensembles round-trips through two hops without being used in between", () => {
    const s = new Seismogram({ npts: 3, dt: 1, metadata: { sta: "X", l: BSON.Long.fromNumber(5) } });
    const objs: DataObject[] = [
      new TimeSeriesEnsemble([timeSeries(5), timeSeries(6)], { evid: 1 }),
      new SeismogramEnsemble([s], { evid: BSON.Long.fromNumber(2) }),
    ];
    for (const o of objs) {
      const twice = decodeFrame(encodeFrame(decodeFrame(encodeFrame(o)))) as TimeSeriesEnsemble;
      const src = o as TimeSeriesEnsemble;
      expect(twice.md.toObject()).toEqual(src.md.toObject());
      twice.member.forEach((m, i) => {
        expect(m.md.toObject()).toEqual(src.member[i].md.toObject());
        expect(modifiedOf(m.md)).toEqual(modifiedOf(src.member[i].md));
      });
    }
  });

  it("of a frame read at an odd offset inside a larger buffer is read from a copy of the head", () => {
    const d = timeSeries(8);
    const frame = encodeFrame(d);
    const message = new Uint8Array(frame.length + 3);
    message.set(frame, 3);
    const back = decodeFrame(message.subarray(3)) as TimeSeries;
    expect(back.data.buffer).not.toBe(message.buffer); // samples copied to align them
    message.fill(0); // the message is gone: nothing decoded may still read it
    expect(back.md.toObject()).toEqual(d.md.toObject());
    expect(Array.from(back.data)).toEqual(Array.from(d.data));
  });

  it("keeps its modified set when a head lists it before the Metadata (not the encoder's order)", () => {
    const d = new TimeSeries({ npts: 2, dt: 1, metadata: { sta: "A", chan: "Z" } });
    d.md.clearModified();
    d.md.put("chan", "N");
    const frame = encodeFrame(d);
    const dv = new DataView(frame.buffer);
    const headAt = 16 + 32;
    const headLen = dv.getUint32(8, true);
    const head = BSON.deserialize(frame.subarray(headAt, headAt + headLen), { useBigInt64: true });
    const { md, mod, ...rest } = head.m[0];
    const swapped = BSON.serialize({ m: [{ mod, ...rest, md }] });
    const samplesAt = (headAt + swapped.length + 7) & ~7;
    const out = new Uint8Array(samplesAt + 16);
    out.set(frame.subarray(0, headAt));
    out.set(swapped, headAt);
    out.set(frame.subarray(frame.length - 16), samplesAt);
    new DataView(out.buffer).setUint32(8, swapped.length, true);
    const back = decodeFrame(out) as TimeSeries;
    const again = decodeFrame(encodeFrame(back)) as TimeSeries; // re-encoded without being used
    expect(modifiedOf(back.md)).toEqual(["chan"]);
    expect(modifiedOf(again.md)).toEqual(["chan"]);
    expect(again.md.toObject()).toEqual(d.md.toObject());
  });

  it("that is not BSON, or disagrees with the datum's row, fails at first use with the codec's error", () => {
    const frame = encodeFrame(timeSeries(7));
    const text = Buffer.from(frame);
    // "S7", the value of sta: make its bytes invalid UTF-8.
    const at = text.indexOf(Buffer.from("S7\0"));
    expect(at).toBeGreaterThan(0);
    const bad = frame.slice();
    bad[at] = 0xff;
    const d = decodeFrame(bad) as TimeSeries;
    expect(d.npts).toBe(50); // what the row gives still works
    expect(() => d.md.get("sta")).toThrow(MsPASSError);
    expect(() => d.md.get("sta")).toThrow(/data codec: not a valid frame/);
    // A row whose delta disagrees with the Metadata's.
    const other = frame.slice();
    new DataView(other.buffer).setFloat64(16 + 8, 0.02, true);
    const o = decodeFrame(other) as TimeSeries;
    expect(o.dt).toBe(0.02);
    expect(() => o.md.keys()).toThrow(/disagrees with its row/);
    // A row with a bad delta is refused at decode time.
    const neg = frame.slice();
    new DataView(neg.buffer).setFloat64(16 + 8, -1, true);
    expect(() => decodeFrame(neg)).toThrow(/delta \(dt\) must be > 0/);
  });
});

describe("Metadata's modified set", () => {
  it("is every key until clearModified, through puts, erases and copies", () => {
    const md = new Metadata({ a: 1, b: 2 });
    expect(modifiedOf(md)).toEqual(["a", "b"]);
    expect(md.allModified()).toBe(true);
    md.erase("a");
    md.put("c", 3);
    expect(modifiedOf(md)).toEqual(["b", "c"]);
    expect(md.isModified("a")).toBe(false);
    const copy = new Metadata(md);
    md.clearModified();
    expect(md.allModified()).toBe(false);
    expect(modifiedOf(copy)).toEqual(["b", "c"]);
    md.put("b", 5);
    expect(modifiedOf(md)).toEqual(["b"]);
    md.put("c", 3);
    expect(md.allModified()).toBe(true);
    expect(new Metadata().allModified()).toBe(true);
  });
});
