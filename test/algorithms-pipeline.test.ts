/**
 * The MsPASS tutorial pipeline on the miniSEED fixtures, through the ready
 * task refs on worker threads: indexMseedFile → saveInventory (+ the origin
 * with saveCatalog) → normalizeMseed → readDistributedData (normalized by
 * channel and origin time) → detrend → taper → filter (bandpass, zero
 * phase) → windowData relative to the origin time → writeDistributedData.
 * The saved samples equal obspy 1.5.1 doing the same steps (≤ 1e-6 of peak),
 * on the local scheduler and on the Redis scheduler with two `mspass worker`
 * processes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "./redis/cluster.js";
import { obspyPython } from "./helpers.js";
import {
  Client,
  OriginTimeMatcher,
  algorithms,
  normalizeMseed,
  readDistributedData,
  writeDistributedData,
  type TimeSeries,
} from "mspass";

const ROOT = resolve(import.meta.dirname, "..");
const PY = obspyPython();
const MSEED = resolve(ROOT, "test/fixtures/miniseed/1T_MONN_00_EDH.mseed");
const dir = mkdtempSync(join(tmpdir(), "mspass-alg-pipeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** obspy: the same steps on the whole trace; returns samples, t0 and dt. */
function obspyProcessed(): { data: number[]; t0: number; dt: number } {
  const py = `
import json, sys, obspy
tr = obspy.read(sys.argv[1])[0]
tr.data = tr.data.astype("float64")
tr.detrend("linear")
tr.taper(max_percentage=0.05)
tr.filter("bandpass", freqmin=1.0, freqmax=10.0, corners=4, zerophase=True)
json.dump({"data": tr.data.tolist(), "t0": tr.stats.starttime.timestamp, "dt": tr.stats.delta}, sys.stdout)
`;
  const r = spawnSync(PY, ["-c", py, MSEED], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`obspy failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function pipeline(client: Client): Promise<void> {
  const db = client.getDatabase(`alg_pipeline_${process.pid}_${Date.now()}`);
  try {
    await db.indexMseedFile(MSEED);
    await db.saveInventory(resolve(ROOT, "test/fixtures/algorithms/MONN.xml"));
    expect(await db.saveCatalog(resolve(ROOT, "test/fixtures/algorithms/MONN-event.xml"))).toBe(1);
    expect(await normalizeMseed(db)).toEqual([1, 1, 1]);

    const origin = Date.UTC(2019, 3, 1, 18, 43, 5) / 1000;
    const bag = await readDistributedData(db, {
      collection: "wf_miniseed",
      normalize: ["channel", new OriginTimeMatcher(db, "source", { t0offset: -5 })],
    });
    const processed = bag
      .map(algorithms.detrend, { type: "linear" })
      .map(algorithms.taper, { maxPercentage: 0.05 })
      .map(algorithms.filter, { type: "bandpass", freqmin: 1, freqmax: 10, corners: 4, zerophase: true })
      .map(algorithms.windowData, -2, 20, { t0shift: "source_time" });
    const ids = await writeDistributedData(processed, db, { storageMode: "file", dir, dataTag: "processed" });
    expect(ids).toHaveLength(1);
    expect(ids[0]).not.toBeNull();

    const d = (await db.readData(ids[0] as never, { dataTag: "processed" })) as unknown as TimeSeries;
    expect(d.live).toBe(true);

    const ref = obspyProcessed();
    const first = Math.round((origin - 2 - ref.t0) / ref.dt);
    expect(d.npts).toBe(Math.round(22 / ref.dt) + 1);
    expect(d.t0).toBeCloseTo(ref.t0 + first * ref.dt, 6);
    let peak = 0;
    let worst = 0;
    for (let i = 0; i < d.npts; i++) {
      const want = ref.data[first + i]!;
      peak = Math.max(peak, Math.abs(want));
      worst = Math.max(worst, Math.abs(d.data[i]! - want));
    }
    expect(worst / peak).toBeLessThanOrEqual(1e-6);
  } finally {
    await db.dropDatabase();
  }
}

describe("the tutorial pipeline matches obspy", () => {
  it("on the local scheduler", async () => {
    const client = await Client.connect({ databaseHost: process.env.MSPASS_TEST_DB_URI!, nworkers: 2 });
    try {
      await pipeline(client);
    } finally {
      await client.close();
    }
  });

  it("on the Redis scheduler", async () => {
    let cluster: Cluster | undefined;
    let client: Client | undefined;
    try {
      cluster = await startCluster({ workers: 2, nthreads: 1 });
      client = await Client.connect({
        databaseHost: process.env.MSPASS_TEST_DB_URI!,
        scheduler: "redis",
        schedulerHost: cluster.url,
        dashboardPort: 0,
      });
      await pipeline(client);
    } finally {
      await client?.close();
      await cluster?.stop();
    }
  });
});
