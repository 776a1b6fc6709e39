import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { getHeapStatistics } from "node:v8";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LocalScheduler, WorkerDiedError, task, taskOptions, type Future } from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const PLUGINS = new URL("./fixtures/scheduler-plugins.mjs", import.meta.url);
const runOrDie = task<(dir: string, key: string, mode: "ok" | "exit" | "oom") => string>(TASKS, "runOrDie");

const open: LocalScheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof LocalScheduler.start>[0] = {}): Promise<LocalScheduler> {
  const s = await LocalScheduler.start({ nworkers: 2, dashboard: false, ...options });
  open.push(s);
  return s;
}

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), p));

/** Completed runs per key, from the fixture's run log. */
function runs(dir: string): Map<string, number> {
  const m = new Map<string, number>();
  const p = join(dir, "runs");
  if (!existsSync(p)) return m;
  for (const k of readFileSync(p, "utf8").split("\n").filter(Boolean)) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** A job of `n` tasks where the keys in `die` kill their worker on the first attempt. */
async function jobWithDeaths(s: LocalScheduler, n: number, die: Map<number, "exit" | "oom">): Promise<void> {
  const dir = tmp("mspass-recover-");
  const died: number[] = [];
  s.on("worker-died", (e: { id: number }) => died.push(e.id));
  const fs: Future<string>[] = [];
  for (let i = 0; i < n; i++)
    fs.push(s.submit(runOrDie, dir, `k${i}`, die.get(i) ?? "ok", taskOptions({ retries: 1 })));
  const out = await s.gather(fs);
  // Every task completed with its own result: nothing lost.
  expect(out).toEqual(fs.map((_f, i) => `k${i}`));
  expect(died.length).toBe(die.size);
  expect(s.workers()).toHaveLength(2);
  expect(s.state().restarts).toBe(die.size);
  // Nothing ran to completion twice without being reported on its future.
  const counts = runs(dir);
  for (let i = 0; i < n; i++) expect(counts.get(`k${i}`)).toBe(1 + fs[i].reruns);
  // Only the tasks that killed a worker were charged against their retries:
  // with retries: 1 a second charge would have rejected the job above. The
  // informational `attempts` (starts) counter can, in a race with a second
  // worker death, count one dispatch that never started (known issue, see
  // the closing note of issue 4), so it is bounded rather than exact here.
  for (const i of die.keys()) {
    expect(fs[i].attempts).toBeGreaterThanOrEqual(2);
    expect(fs[i].attempts).toBeLessThanOrEqual(3);
  }
  expect(s.state().reruns).toBe(fs.reduce((a, f) => a + f.reruns, 0));
}

describe("recovery from dying workers", () => {
  it("a worker calling process.exit() is replaced and the job completes through retries", async () => {
    const s = await start();
    await jobWithDeaths(
      s,
      300,
      new Map([
        [17, "exit"],
        [150, "exit"],
        [299, "exit"],
      ]),
    );
  });

  it("caps a worker's old generation under 2 GB unless told otherwise, and never raises the process's own", async () => {
    const heapLimit = task<() => number>(TASKS, "heapLimitMB");
    const main = getHeapStatistics().heap_size_limit / 2 ** 20;
    const byDefault = await (await start()).submit(heapLimit);
    if (main > 2047) {
      expect(byDefault).toBeGreaterThanOrEqual(2047);
      expect(byDefault).toBeLessThan(2047 + 256); // the cap plus the young generation
    } else {
      expect(byDefault).toBeCloseTo(main, -1); // inherited, not raised
    }
    const given = await (await start({ resourceLimits: { maxOldGenerationSizeMb: 3000 } })).submit(heapLimit);
    expect(given).toBeGreaterThanOrEqual(3000);
  });

  it("a worker exceeding its memory limit is replaced and the job completes", async () => {
    const s = await start({ resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } });
    await jobWithDeaths(s, 60, new Map([[30, "oom"]]));
  });

  it("an uncaught exception in the worker is recovered the same way", async () => {
    const s = await start();
    const dir = tmp("mspass-uncaught-");
    const f = s.submit(task(TASKS, "uncaughtOnce"), dir, "u", taskOptions({ retries: 1 }));
    expect(await f).toBe("ok-u");
    expect(f.attempts).toBe(2);
  });

  it("when retries run out the future rejects saying the worker died, and the rest go on", async () => {
    const s = await start();
    const log = join(tmp("mspass-died-"), "log");
    await s.registerPlugin({ module: PLUGINS, export: "LogPlugin", options: { log, tag: "p" } });
    const doomed = s.submit(task(TASKS, "exitAlways"), taskOptions({ retries: 1 }));
    const others = s.map(task<(x: number) => number>(TASKS, "double"), [1, 2, 3, 4]);
    const err = await doomed.exception();
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err?.message).toMatch(/worker-\d+ died while running task exitAlways-\d+: it exited with code 3/);
    expect(err?.message).toMatch(/no retries left after 2 attempt/);
    expect(await s.gather(others)).toEqual([2, 4, 6, 8]);
    // both replacement workers set the plugin up again (the last may still be starting)
    for (
      let i = 0;
      i < 200 && !(s.workers().length === 2 && s.workers().every((w) => w.status === "ready"));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const setups = readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("setup"));
    expect(setups.length).toBe(4);
  });

  it("an out-of-memory death without retries says so", async () => {
    const s = await start({
      nworkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
    });
    const err = await s.submit(runOrDie, tmp("mspass-oom-"), "x", "oom").exception();
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err?.message).toMatch(/ran out of memory/);
    expect(await s.submit((x: number) => x + 1, 1)).toBe(2);
  });
});

describe("stopping", () => {
  it("close() lets the running task finish, then tears plugins down", async () => {
    const s = await start();
    const log = join(tmp("mspass-stop-"), "log");
    await s.registerPlugin({ module: PLUGINS, export: "LogPlugin", options: { log, tag: "p" } });
    // Both workers load the task module first, so the task below is surely running when close() comes.
    await s.gather(s.map(task(TASKS, "sleep"), [1, 1, 1, 1]));
    const f = s.submit(task(TASKS, "sleep"), 300, "finished gracefully");
    const queued = Array.from({ length: 6 }, () => s.submit(task(TASKS, "sleep"), 300, "never"));
    await new Promise((r) => setTimeout(r, 60));
    await s.close();
    expect(await f).toBe("finished gracefully");
    const outcomes = await Promise.all(queued.map((q) => q.exception()));
    expect(outcomes.filter((e) => e !== undefined).every((e) => /closed/.test(e!.message))).toBe(true);
    expect(
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("teardown")),
    ).toHaveLength(2);
    expect(() => s.submit((x: number) => x, 1)).toThrow(/scheduler is closed/);
  });

  it("close() aborts the running task's signal so cooperative async work winds down", async () => {
    const s = await start({ nworkers: 1 });
    await s.submit(task(TASKS, "sleep"), 1, null); // module loaded: the next task starts at once
    const f = s.submit(task(TASKS, "waitForAbort"));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await s.close();
    expect(performance.now() - t0).toBeLessThan(2000); // not the 5 s stop deadline
    expect(await f).toMatch(/^aborted: worker-\d+ is stopping$/);
  });

  it("a worker stuck in a loop is terminated after stopTimeoutMs", async () => {
    const s = await start({ nworkers: 1, stopTimeoutMs: 200 });
    const f = s.submit(task(TASKS, "spinForever"));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await s.close();
    expect(performance.now() - t0).toBeLessThan(3000);
    await expect(f).rejects.toThrow(/closed before task spinForever-\d+ finished/);
  });

  for (const mode of ["close", "no-close"]) {
    it(`a process using the scheduler exits by itself (${mode})`, async () => {
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL("./fixtures/sched/exit-child.mjs", import.meta.url)), mode],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      let doneAt = 0;
      child.stdout.on("data", () => (doneAt ||= performance.now()));
      const code = await new Promise<number | string>((resolve) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          resolve("still running after 20 s");
        }, 20_000);
        child.on("exit", (c) => {
          clearTimeout(timer);
          resolve(c ?? -1);
        });
      });
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(out.trim()).toBe("done [2,4,6] [2,3,4,5]");
      expect(performance.now() - doneAt).toBeLessThan(2000); // exits promptly after its last line
    });
  }
});
