/**
 * Data print as a seismologist reads them (as obspy's print(trace)): seed id,
 * live, time span, dt, npts, id, keys, elog — in console.log, the REPL and String().
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ObjectId } from "mongodb";
import { ErrorLogger, Metadata, Seismogram, TimeSeries, TimeSeriesEnsemble } from "mspass";

function trace(): TimeSeries {
  const ts = new TimeSeries({ npts: 1001, dt: 0.01, t0: 1577836800, tref: "UTC" });
  ts.md
    .put("net", "XX")
    .put("sta", "ABC")
    .put("loc", "00")
    .put("chan", "HHZ")
    .put("_id", new ObjectId("64b000000000000000000001"));
  return ts;
}

describe("printing data", () => {
  it("a TimeSeries: seed id, live, UTC span, dt and rate, npts, id, keys, elog", () => {
    const ts = trace();
    ts.elog.log("demo", "something odd");
    for (const text of [String(ts), inspect(ts), `${ts}`]) {
      expect(text).toBe(
        "TimeSeries XX.ABC.00.HHZ | live | 2020-01-01T00:00:00.000Z - 2020-01-01T00:00:10.000Z | dt 0.01 s (100 Hz) | npts 1001 | " +
          "id 64b000000000000000000001 | 8 keys [npts, delta, starttime, net, sta, loc, chan, _id] | elog 1",
      );
    }
  });

  it("a dead Seismogram with relative time", () => {
    const s = new Seismogram({ npts: 10, dt: 0.5, t0: 2 });
    s.kill();
    expect(String(s)).toMatch(
      /^Seismogram \.\.\. \| dead \| 2 s - 6\.5 s \(relative\) \| dt 0\.5 s \(2 Hz\) \| npts 10 \|/,
    );
  });

  it("an ensemble: a header, then a line per member", () => {
    const e = new TimeSeriesEnsemble([trace(), new TimeSeries()]);
    const lines = inspect(e).split("\n");
    expect(lines[0]).toBe("TimeSeriesEnsemble: 2 members (1 live), live | 0 keys [] | elog 0");
    expect(lines[1]).toMatch(/^ {2}TimeSeries XX\.ABC\.00\.HHZ \| live/);
    expect(lines[2]).toMatch(/^ {2}TimeSeries \.\.\. \| dead/);
  });

  it("Metadata shows its keys and values, ErrorLogger its entries", () => {
    const md = new Metadata({ sta: "ABC", delta: 0.01 });
    expect(inspect(md)).toBe("Metadata(2) { sta: 'ABC', delta: 0.01 }");
    expect(String(md)).toBe("Metadata(2) { sta: 'ABC', delta: 0.01 }");
    const log = new ErrorLogger();
    expect(String(log)).toBe("ErrorLogger(empty)");
    log.log("filter", "bad corner", "Invalid");
    expect(inspect(log)).toBe("ErrorLogger(1 entry)\n  [Invalid] filter: bad corner");
  });
});
