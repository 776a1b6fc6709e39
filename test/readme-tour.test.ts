/**
 * The README's tour, run for real against the test server, so the README
 * cannot drift from the API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { Client, TimeSeries, readDistributedData, writeDistributedData, task } from "mspass";

const uri = process.env.MSPASS_TEST_DB_URI!;
const dir = mkdtempSync(join(tmpdir(), "mspass-tour-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tasks = new URL("./fixtures/tour/tasks.mjs", import.meta.url);

it("runs the README tour", async () => {
  const client = await Client.connect({ databaseHost: uri, nworkers: 2, dashboardPort: 0 });
  try {
    const db = client.getDatabase("mspass_readme_tour");
    await db.dropDatabase();

    const ts = new TimeSeries({ npts: 2000, dt: 0.01, t0: 1.7e9, tref: "UTC" });
    ts.data.fill(1);
    ts.md.put("sta", "AAK");
    const saved = await db.saveData(ts, { storageMode: "file", dir: join(dir, "wf") });
    const back = await db.readData(saved._id!);
    expect(back.live).toBe(true);
    expect(back.npts).toBe(2000);
    expect(back.md.get("sta")).toBe("AAK");
    await db.saveData(ts, { storageMode: "gridfs" });
    const ensemble = await db.readData(db.wf_TimeSeries.find({ sta: "AAK" }));
    expect(ensemble.member).toHaveLength(2);

    const scheduler = client.getScheduler()!;
    expect(scheduler.dashboardLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);
    const n = await scheduler.submit(task(tasks, "countStation"), "mspass_readme_tour", "AAK");
    expect(n).toBe(2);

    const bag = await readDistributedData(db, { query: { sta: "AAK" }, npartitions: 2 });
    const ids = await writeDistributedData(bag.map(task(tasks, "demean")), db, {
      storageMode: "gridfs",
      dataTag: "demeaned",
    });
    expect(ids).toHaveLength(2);
    const demeaned = await db.readData(db.wf_TimeSeries.find({ data_tag: "demeaned" }), {
      dataTag: "demeaned",
    });
    expect(demeaned.member).toHaveLength(2);
    for (const m of demeaned.member) expect(Math.max(...m.data.map(Math.abs))).toBe(0);
  } finally {
    await client.close();
  }
});
