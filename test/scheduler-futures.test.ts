import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelledError,
  Future,
  LocalScheduler,
  MsPASSError,
  getWorker,
  task,
  taskOptions,
  transfer,
} from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const double = task<(x: number) => number>(TASKS, "double");
const add = task<(a: number, b: number) => number>(TASKS, "add");
const sleep = task<<T>(ms: number, v: T) => Promise<T>>(TASKS, "sleep");
const whoami = task<(...keys: string[]) => { id: number; name: string; plugins: string[]; data: unknown[] }>(
  TASKS,
  "whoami",
);

let s: LocalScheduler;

beforeAll(async () => {
  s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
});

afterAll(async () => {
  await s?.close();
});

describe("LocalScheduler futures", () => {
  it("starts the requested number of workers", () => {
    const ws = s.workers();
    expect(ws).toHaveLength(2);
    expect(ws.every((w) => w.status === "ready")).toBe(true);
    expect(new Set(ws.map((w) => w.threadId)).size).toBe(2);
  });

  it("submit runs an exported function by module + export", async () => {
    const f = s.submit(add, 40, 2);
    expect(f).toBeInstanceOf(Future);
    expect(await f).toBe(42);
    expect(f.status).toBe("finished");
    expect(f.attempts).toBe(1);
  });

  it("accepts a plain { module, export } object", async () => {
    expect(await s.submit({ module: TASKS.href, export: "double" }, 21)).toBe(42);
  });

  it("submit runs a self-contained function sent as source", async () => {
    const f = s.submit((a: number, b: number) => ({ sum: a + b, worker: typeof globalThis.process }), 1, 2);
    expect(await f).toEqual({ sum: 3, worker: "object" });
  });

  it("turns a captured outer variable into a clear MsPASSError", async () => {
    const factor = 3;
    const f = s.submit((x: number) => x * factor, 2);
    const err = await f.exception();
    expect(err).toBeInstanceOf(MsPASSError);
    expect(err?.message).toMatch(/uses "factor", which is not defined in the worker/);
    expect(err?.message).toMatch(/closures are unsupported/);
  });

  it("rejects a task's error with the worker's message, type and stack", async () => {
    const f = s.submit(task(TASKS, "boom"), "bad input 17");
    await expect(f).rejects.toThrow("bad input 17");
    const err = await f.exception();
    expect(err).toBeInstanceOf(RangeError);
    expect(err?.stack).toMatch(/scheduler-tasks\.mjs/); // the frame is the worker's
    expect(f.status).toBe("error");
  });

  it("reports a result that cannot be cloned as that task's error only", async () => {
    const [bad, good] = [s.submit(task(TASKS, "unclonable")), s.submit(double, 4)];
    await expect(bad).rejects.toThrow(/cannot be sent to the main thread/);
    expect(await good).toBe(8);
  });

  it("an unclonable result EARLIER in a batch than a task that throws: each task gets its own outcome", async () => {
    // One worker, and a task group whose cost is known (warmed up), so the
    // three tasks travel in one batch and their results in one message, where
    // the unclonable result's error is found only after the later task's
    // error was recorded.
    const one = await LocalScheduler.start({ nworkers: 1, dashboard: false });
    try {
      const outcome = task<(x: unknown) => number>(TASKS, "outcomeOf");
      expect(
        await one.gather(
          one.map(
            outcome,
            Array.from({ length: 200 }, (_, i) => i),
          ),
        ),
      ).toHaveLength(200);
      const [bad, boom, good] = one.map(outcome, ["unclonable", "throw", 21]);
      await expect(bad!).rejects.toThrow(/cannot be sent to the main thread/);
      await expect(boom!).rejects.toThrow("a later task failed");
      expect(await good!).toBe(42);
    } finally {
      await one.close();
    }
  });

  it("rejects arguments that cannot be cloned without losing the other tasks", async () => {
    const bad = s.submit(double, { fn: () => 1 } as unknown as number);
    const good = s.submit(double, 5);
    await expect(bad).rejects.toThrow(/arguments cannot be sent to a worker/);
    expect(await good).toBe(10);
  });

  it("refuses bad function arguments with MsPASSError naming them", () => {
    expect(() => s.submit(42 as never)).toThrow(/submit: expected a function/);
    expect(() => s.submit(Math.max, 1)).toThrow(/native or bound/);
    expect(() => s.submit(task("./relative.mjs", "x"))).toThrow(/relative/);
    expect(() => s.submit(double, 1, taskOptions({ retries: -1 }))).toThrow(
      /retries must be a non-negative integer/,
    );
  });

  it("retries a failing task", async () => {
    const dir = await import("node:fs").then((fs) => fs.mkdtempSync("/tmp/mspass-flaky-"));
    const f = s.submit(task(TASKS, "flaky"), dir, "a", 2, taskOptions({ retries: 2 }));
    expect(await f).toBe(3);
    expect(f.attempts).toBe(3);
    const g = s.submit(task(TASKS, "flaky"), dir, "b", 2, taskOptions({ retries: 1 }));
    await expect(g).rejects.toThrow("flaky failure 2");
  });

  it("key: a pending task with the same key is the same future", async () => {
    const a = s.submit(sleep, 100, "first", taskOptions({ key: "same-key" }));
    const b = s.submit(sleep, 0, "second", taskOptions({ key: "same-key" }));
    expect(b).toBe(a);
    expect(a.key).toBe("same-key");
    expect(await b).toBe("first");
  });

  it("pure: identical pending submissions share a future, different args do not", async () => {
    const a = s.submit(sleep, 50, { v: 1 }, taskOptions({ pure: true }));
    const b = s.submit(sleep, 50, { v: 1 }, taskOptions({ pure: true }));
    const c = s.submit(sleep, 50, { v: 2 }, taskOptions({ pure: true }));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(await s.gather([a, b, c])).toEqual([{ v: 1 }, { v: 1 }, { v: 2 }]);
  });

  it("priority: higher-priority queued tasks run first", async () => {
    // One worker, so completion order is run order.
    const one = await LocalScheduler.start({ nworkers: 1, dashboard: false });
    try {
      const blocker = one.submit(sleep, 100, 0);
      await new Promise((r) => setTimeout(r, 30));
      const order: string[] = [];
      const low = one.map(sleep, [1, 1, 1, 1]);
      const mid = one.submit(sleep, 1, "mid", taskOptions({ priority: 5 }));
      const high = one.submit(sleep, 1, "high", taskOptions({ priority: 10 }));
      low.forEach((f, i) => f.addDoneCallback(() => order.push(`low${i}`)));
      mid.addDoneCallback(() => order.push("mid"));
      high.addDoneCallback(() => order.push("high"));
      await one.gather([blocker, ...low, mid, high]);
      expect(order).toEqual(["high", "mid", "low0", "low1", "low2", "low3"]);
    } finally {
      await one.close();
    }
  });

  it("map returns futures in order, with batchSize honoured", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const fs = s.map(double, items, { batchSize: 7 });
    expect(fs).toHaveLength(1000);
    expect(await s.gather(fs)).toEqual(items.map((x) => 2 * x));
    expect(() => s.map(double, items, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });

  it("map with a key prefix names each task", async () => {
    const fs = s.map(double, [1, 2], { key: "dbl" });
    expect(fs.map((f) => f.key)).toEqual(["dbl-0", "dbl-1"]);
    expect(await s.gather(fs)).toEqual([2, 4]);
  });

  it("gather: errors raise by default, skip drops failed futures", async () => {
    const fs = [s.submit(double, 1), s.submit(task(TASKS, "boom"), "gather-fail"), s.submit(double, 3), 99];
    await expect(s.gather(fs)).rejects.toThrow("gather-fail");
    expect(await s.gather(fs, { errors: "skip" })).toEqual([2, 6, 99]);
    await expect(s.gather(fs, { errors: "nope" as "skip" })).rejects.toThrow(
      /errors must be "raise" or "skip"/,
    );
  });

  it("futures as arguments become their values (dependencies)", async () => {
    const a = s.submit(sleep, 50, 20);
    const b = s.submit(add, a, 1);
    const c = s.submit((xs: number[]) => xs.reduce((p, q) => p + q, 0), [a, b, 100]);
    expect(await c).toBe(141);
    const failed = s.submit(task(TASKS, "boom"), "dep failed");
    await expect(s.submit(double, failed)).rejects.toThrow("dep failed");
  });

  it("scatter: data stored once per worker and used by reference", async () => {
    const big = new Float64Array(10_000);
    const ref = s.scatter(big);
    expect(ref).toBeInstanceOf(Future);
    const lens = await s.gather(s.map(task(TASKS, "lengthOf"), [ref, ref, ref]));
    expect(lens).toEqual([10_000, 10_000, 10_000]);
    const parts = s.scatter([[1, 2], [3]]);
    expect(parts).toHaveLength(2);
    expect(await s.gather(parts.map((p) => s.submit(task(TASKS, "lengthOf"), p)))).toEqual([2, 1]);
    s.release([ref, ...parts]);
  });

  it("scatter with broadcast reaches every worker before it finishes", async () => {
    const ref = s.scatter({ table: [1, 2, 3] }, { broadcast: true });
    expect(await ref).toEqual({ table: [1, 2, 3] });
    const fs = Array.from({ length: 20 }, () => s.submit((d: { table: number[] }) => d.table.length, ref));
    expect(new Set(await s.gather(fs))).toEqual(new Set([3]));
  });

  it("asCompleted yields futures as they finish, fastest first", async () => {
    const fs = [s.submit(sleep, 300, "slow"), s.submit(sleep, 10, "fast")];
    const seen: string[] = [];
    for await (const f of s.asCompleted(fs)) {
      expect(f).toBeInstanceOf(Future);
      seen.push((await f) as string);
    }
    expect(seen).toEqual(["fast", "slow"]);
    const pairs: [unknown, unknown][] = [];
    for await (const [f, v] of s.asCompleted([s.submit(double, 2)]).withResults()) pairs.push([f.key, v]);
    expect(pairs[0][1]).toBe(4);
  });

  it("wait: all, first-completed and timeout", async () => {
    const fast = s.submit(sleep, 10, 1);
    const slow = s.submit(sleep, 400, 2);
    const first = await s.wait([fast, slow], { returnWhen: "FIRST_COMPLETED" });
    expect(first.done.has(fast)).toBe(true);
    expect(first.notDone.has(slow)).toBe(true);
    await expect(s.wait([slow], { timeout: 20 })).rejects.toThrow(/still pending after 20 ms/);
    const all = await s.wait([fast, slow, s.submit(task(TASKS, "boom"), "x")]);
    expect(all.done.size).toBe(3);
    expect(all.notDone.size).toBe(0);
  });

  it("cancel: queued tasks never run, a running task's result is discarded", async () => {
    // Two 200 ms sleeps occupy both workers; the third is still queued.
    const running = [s.submit(sleep, 200, "r1"), s.submit(sleep, 200, "r2")];
    const queued = s.submit(task(TASKS, "whoami"));
    await new Promise((r) => setTimeout(r, 50));
    queued.cancel();
    s.cancel(running[0]);
    expect(queued.status).toBe("cancelled");
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    await expect(running[0]).rejects.toThrow(/was cancelled/);
    expect(await running[1]).toBe("r2");
    // The scheduler goes on working and counts them.
    expect(await s.submit(double, 8)).toBe(16);
    expect(s.state().counts.cancelled).toBeGreaterThanOrEqual(2);
  });

  it("cancel aborts the running task's signal (getWorker().taskSignal)", async () => {
    const { mkdtempSync, existsSync, readFileSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/mspass-abort-");
    await s.gather([s.submit(sleep, 1, 0), s.submit(sleep, 1, 0)]);
    const f = s.submit(task(TASKS, "waitForAbort"), dir);
    await new Promise((r) => setTimeout(r, 50));
    f.cancel();
    for (let i = 0; i < 100 && !existsSync(`${dir}/aborted`); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(`${dir}/aborted`, "utf8")).toBe("task cancelled");
    expect(f.status).toBe("cancelled");
  });

  it("moves transferred ArrayBuffers both ways", async () => {
    const arr = new Float64Array(1000).fill(2);
    const f = s.submit(task(TASKS, "sumAndFill"), transfer(arr), 4);
    const r = (await f) as { sum: number; out: Float64Array; byteLength: number };
    expect(arr.byteLength).toBe(0); // moved when the task was sent, not copied
    expect(r.sum).toBe(2000);
    expect(r.byteLength).toBe(8000);
    expect(Array.from(r.out)).toEqual([2000, 2000, 2000, 2000]);
  });

  it("getWorker() works in tasks and refuses on the main thread", async () => {
    const info = await s.submit(whoami);
    expect(s.workers().map((w) => w.id)).toContain(info.id);
    expect(info.name).toBe(`worker-${info.id}`);
    expect(() => getWorker()).toThrow(/main thread/);
  });

  it("a script submitting its own export: works behind isMainThread, clear error without the guard", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = new URL("./fixtures/sched/self-script.mjs", import.meta.url).pathname;
    const run = (mode: string): string =>
      spawnSync(process.execPath, [script], {
        encoding: "utf8",
        env: { ...process.env, SELF_SCRIPT_MODE: mode },
        timeout: 30_000,
      }).stdout;
    expect(run("guarded")).toBe("result 42\n");
    expect(run("unguarded")).toMatch(
      /^error .*LocalScheduler\.start\(\) was called inside a scheduler worker.*isMainThread/,
    );
  });

  it("handles many small tasks with results in order", async () => {
    const n = 20_000;
    const fs = s.map(
      (x: number) => x + 1,
      Array.from({ length: n }, (_, i) => i),
    );
    const out = await s.gather(fs);
    expect(out.length).toBe(n);
    expect(out[0]).toBe(1);
    expect(out[n - 1]).toBe(n);
    expect(out.every((v, i) => v === i + 1)).toBe(true);
  });
});
