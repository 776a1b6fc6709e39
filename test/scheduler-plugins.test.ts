import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalScheduler, MsPASSError, task, taskOptions, type Future } from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const PLUGINS = new URL("./fixtures/scheduler-plugins.mjs", import.meta.url);
type Who = { id: number; name: string; at: number; plugins: string[]; data: unknown[] };
const whoami = task<(...keys: string[]) => Who>(TASKS, "whoami");

const open: LocalScheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(nworkers = 2): Promise<LocalScheduler> {
  const s = await LocalScheduler.start({ nworkers, dashboard: false });
  open.push(s);
  return s;
}

function logFile(): { path: string; lines: () => string[] } {
  const path = join(mkdtempSync(join(tmpdir(), "mspass-plugin-")), "log");
  return {
    path,
    lines: () => (existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").filter(Boolean) : []),
  };
}

/** Run `whoami` until every live worker has answered; returns answers by worker id. */
async function askAll(s: LocalScheduler, ...keys: string[]): Promise<Map<number, Who>> {
  const want = new Set(s.workers().map((w) => w.id));
  const seen = new Map<number, Who>();
  for (let round = 0; round < 50 && seen.size < want.size; round++) {
    // ceil(queued / ready workers) per batch: 8 tasks reach every ready worker.
    const fs: Future<Who>[] = [];
    for (let i = 0; i < 8; i++) fs.push(s.submit(whoami, ...keys));
    for (const w of await s.gather(fs)) seen.set(w.id, w);
    if (seen.size < want.size) await new Promise((r) => setTimeout(r, 20));
  }
  return seen;
}

describe("worker plugins", () => {
  it("setup runs on every current worker before its next task; teardown on unregister", async () => {
    const s = await start();
    const log = logFile();
    await s.registerPlugin(
      { module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "db" } },
      { name: "db" },
    );
    const ids = s
      .workers()
      .map((w) => w.id)
      .sort();
    expect(log.lines().sort()).toEqual(ids.map((id) => `setup db ${id}`).sort());
    expect(s.plugins()).toEqual(["db"]);
    const seen = await askAll(s, "db");
    expect([...seen.keys()].sort()).toEqual(ids);
    for (const [id, w] of seen) {
      expect(w.plugins).toEqual(["db"]);
      expect(w.data[0]).toEqual({ label: "db", worker: id });
    }
    await s.unregisterPlugin("db");
    expect(
      log
        .lines()
        .filter((l) => l.startsWith("teardown"))
        .sort(),
    ).toEqual(ids.map((id) => `teardown db ${id}`).sort());
    for (const w of (await askAll(s, "db")).values()) expect(w.data[0]).toBeNull();
    await expect(s.unregisterPlugin("db")).rejects.toThrow(/no plugin named "db"/);
  });

  it("registering while tasks run: every task that starts afterwards sees the plugin", async () => {
    const s = await start();
    const log = logFile();
    const sleep = task<(ms: number, v: unknown) => Promise<unknown>>(TASKS, "sleep");
    await s.gather(s.map(sleep, [1, 1, 1, 1])); // task module loaded on both workers
    const busy = [s.submit(sleep, 200, "a"), s.submit(sleep, 200, "b")];
    const queued = Array.from({ length: 6 }, () => s.submit(whoami, "live"));
    await new Promise((r) => setTimeout(r, 30));
    const registered = s.registerPlugin(
      { module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "live" } },
      { name: "live" },
    );
    const postedAt = performance.timeOrigin + performance.now(); // the plugin message is on its way to every worker
    const after = Array.from({ length: 6 }, () => s.submit(whoami, "live"));
    await registered;
    expect(await s.gather(busy)).toEqual(["a", "b"]);
    // Submitted after registerPlugin: whatever batch they land in, setup runs first.
    for (const w of await s.gather(after)) expect(w.data[0]).toEqual({ label: "live", worker: w.id });
    // Queued ones normally wait behind the sleeps, but the scheduler may put both sleeps on one
    // worker (their measured cost is ~1 ms) and let the other run the queue at once, before
    // registration; those alone may lack it. At most one task per worker can straddle the post.
    const late = new Map<number, number>();
    for (const w of await s.gather(queued)) {
      if (w.at < postedAt) continue;
      if (w.data[0] === null) late.set(w.id, (late.get(w.id) ?? 0) + 1);
      else expect(w.data[0]).toEqual({ label: "live", worker: w.id });
    }
    for (const n of late.values()) expect(n).toBeLessThanOrEqual(1);
  });

  it("registering in the middle of a batch of synchronous tasks: the rest of the batch sees the plugin", async () => {
    const s = await start();
    const log = logFile();
    const spin = task<(ms: number, ...keys: string[]) => Who>(TASKS, "spinThenWhoami");
    await s.gather(Array.from({ length: 400 }, () => s.submit(spin, 0, "m"))); // measured cost ~µs: big batches
    // One batch per worker; the first task of the first batch blocks its worker's event loop for 300 ms.
    const fs = Array.from({ length: 200 }, (_, i) => s.submit(spin, i === 0 ? 300 : 0, "m"));
    await new Promise((r) => setTimeout(r, 50));
    await s.registerPlugin(
      { module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "m" } },
      { name: "m" },
    );
    const results = await s.gather(fs);
    const first = results[0];
    expect(first.data[0]).toBeNull(); // it was running when the plugin came
    const rest = results.filter((r, i) => i > 0 && r.id === first.id && r.at > first.at);
    expect(rest.length).toBeGreaterThan(0); // same batch, behind the spinning task
    for (const r of rest) expect(r.data[0]).toEqual({ label: "m", worker: first.id });
  });

  it("registering during a flood of tasks: set up mid-flood, and no task starts after setup without it", async () => {
    const s = await start();
    const log = logFile();
    await s.gather(
      s.map(
        whoami,
        [1, 2, 3, 4].map(() => "x"),
      ),
    ); // task module loaded on both workers
    const flood = Array.from({ length: 30_000 }, () => s.submit(whoami, "f", "f-at"));
    await new Promise((r) => setTimeout(r, 5));
    const registered = s.registerPlugin(
      { module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "f", stamp: true } },
      { name: "f" },
    );
    const postedAt = performance.timeOrigin + performance.now();
    await registered;
    const results = await s.gather(flood);
    // Workers check for plugin changes before every task, not only between batches (a batch
    // holds ~4 ms of these tasks): once the change is posted, at most the one task whose check
    // came just before the post (per worker) may still start without the plugin.
    const lagging = new Map<number, number>();
    for (const r of results)
      if (r.at >= postedAt && r.data[0] === null) lagging.set(r.id, (lagging.get(r.id) ?? 0) + 1);
    for (const n of lagging.values()) expect(n).toBeLessThanOrEqual(1);
    const setupAt = new Map<number, number>();
    for (const r of results) if (r.data[1] !== null) setupAt.set(r.id, r.data[1] as number);
    expect(setupAt.size).toBe(2); // both workers set it up while the flood ran...
    let before = 0;
    for (const r of results) {
      if (r.data[0] === null) {
        before++;
        expect(r.at).toBeLessThan(setupAt.get(r.id)!); // ...no task started after setup without the plugin
      } else expect(r.at).toBeGreaterThanOrEqual(setupAt.get(r.id)!);
    }
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(results.length);
  });

  it("registerWorkerPlugin is an alias; names default to the export; factories work", async () => {
    const s = await start();
    await s.registerWorkerPlugin({ module: PLUGINS, export: "makeCounter", options: { start: 41 } });
    expect(s.plugins()).toEqual(["makeCounter"]);
    for (const w of (await askAll(s, "counter")).values()) expect(w.data[0]).toBe(41);
  });

  it("registering a name again replaces the plugin: teardown, then setup", async () => {
    const s = await start();
    const log = logFile();
    const spec = (version: number) => ({
      module: PLUGINS,
      export: "LogPlugin",
      options: { log: log.path, tag: "p", version },
    });
    await s.registerPlugin(spec(1), { name: "p" });
    await s.registerPlugin(spec(2), { name: "p" });
    for (const id of s.workers().map((w) => w.id)) {
      const mine = log.lines().filter((l) => l.endsWith(` ${id}`));
      expect(mine).toEqual([`setup p@1 ${id}`, `teardown p@1 ${id}`, `setup p@2 ${id}`]);
    }
    for (const w of (await askAll(s, "p")).values())
      expect((w.data[0] as { label: string }).label).toBe("p@2");
    // idempotent keeps the registered one
    await s.registerPlugin(spec(3), { name: "p", idempotent: true });
    expect(log.lines().some((l) => l.includes("p@3"))).toBe(false);
  });

  it("a setup that throws rejects registerPlugin and leaves no worker half set up", async () => {
    const s = await start(2); // worker ids 1 and 2: the even one refuses
    const log = logFile();
    const err = await s
      .registerPlugin(
        { module: PLUGINS, export: "FailOnEven", options: { log: log.path } },
        { name: "failing" },
      )
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/setup refused on worker \d*[02468]\b/);
    expect((err as Error).stack).toMatch(/scheduler-plugins\.mjs/);
    expect(s.plugins()).toEqual([]);
    // the worker whose setup succeeded was torn down again; the failed one cleaned up its half setup
    const ids = s.workers().map((w) => w.id);
    const expected = ids.flatMap((id) =>
      id % 2 === 1 ? [`setup failing ${id}`, `teardown failing ${id}`] : [`teardown failing ${id}`],
    );
    expect(log.lines().sort()).toEqual(expected.sort());
    for (const w of (await askAll(s, "failing")).values()) {
      expect(w.plugins).toEqual([]);
      expect(w.data[0]).toBeNull();
    }
  });

  it("refuses malformed plugin specs with MsPASSError", async () => {
    const s = await start(1);
    await expect(s.registerPlugin(null as never)).rejects.toBeInstanceOf(MsPASSError);
    await expect(s.registerPlugin({ module: PLUGINS, export: "" })).rejects.toThrow(
      /export must be a non-empty string/,
    );
    await expect(
      s.registerPlugin({ module: "rel/../x.mjs", export: "X", options: { f: () => 1 } }),
    ).rejects.toThrow(/options of plugin "X" cannot be sent/);
    await expect(s.registerPlugin({ module: PLUGINS, export: "NoSuchExport" })).rejects.toThrow(
      /not a class, factory or object/,
    );
    expect(s.plugins()).toEqual([]);
  });

  it("new and restarted workers set plugins up before their first task", async () => {
    const s = await start(2);
    const log = logFile();
    await s.registerPlugin(
      { module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "db" } },
      { name: "db" },
    );
    const before = s.workers().map((w) => w.id);
    const dir = mkdtempSync(join(tmpdir(), "mspass-restart-"));
    // The first run kills its worker with process.exit(); the retry completes.
    expect(await s.submit(task(TASKS, "exitOnce"), dir, "k1", taskOptions({ retries: 1 }))).toBe("ok-k1");
    const after = s.workers().map((w) => w.id);
    const fresh = after.filter((id) => !before.includes(id));
    expect(fresh).toHaveLength(1);
    expect(log.lines()).toContain(`setup db ${fresh[0]}`);
    const seen = await askAll(s, "db");
    expect(seen.get(fresh[0])?.data[0]).toEqual({ label: "db", worker: fresh[0] });
  });

  it("teardown runs on every worker at close()", async () => {
    const s = await start(2);
    const log = logFile();
    await s.registerPlugin({ module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "c" } });
    const ids = s.workers().map((w) => w.id);
    await s.close();
    expect(
      log
        .lines()
        .filter((l) => l.startsWith("teardown"))
        .sort(),
    ).toEqual(ids.map((id) => `teardown c ${id}`).sort());
    expect(s.workers()).toEqual([]);
    await expect(s.registerPlugin({ module: PLUGINS, export: "LogPlugin" })).rejects.toThrow(/closed/);
  });
});
