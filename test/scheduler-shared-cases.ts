/**
 * Scheduler cases shared by both schedulers: the same calls, taken from
 * scheduler-futures / scheduler-bag / scheduler-plugins, run against the
 * LocalScheduler and the RedisScheduler (test/scheduler-both.test.ts). Each
 * case is written against the LocalScheduler API only: a RedisScheduler
 * passes them unchanged, which is the point.
 */
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  CancelledError,
  Future,
  MsPASSError,
  fromSequence,
  task,
  taskOptions,
  type LocalScheduler,
} from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const PLUGINS = new URL("./fixtures/scheduler-plugins.mjs", import.meta.url);
const FAILING = new URL("./fixtures/redis-plugins.mjs", import.meta.url);
const double = task<(x: number) => number>(TASKS, "double");
const add = task<(a: number, b: number) => number>(TASKS, "add");
const sleep = task<<T>(ms: number, v: T) => Promise<T>>(TASKS, "sleep");

export interface Harness {
  /** The scheduler under test, seen through the LocalScheduler API. */
  s: () => LocalScheduler;
  /** Worker threads in all (for counting plugin setups). */
  threads: () => number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function futuresCases(h: Harness): void {
  it("submit runs an exported function, a { module, export } object and a function sent as source", async () => {
    const s = h.s();
    const f = s.submit(add, 40, 2);
    expect(f).toBeInstanceOf(Future);
    expect(await f).toBe(42);
    expect(f.status).toBe("finished");
    expect(f.attempts).toBe(1);
    expect(await s.submit({ module: TASKS.href, export: "double" }, 21)).toBe(42);
    expect(await s.submit((a: number, b: number) => ({ sum: a + b }), 1, 2)).toEqual({ sum: 3 });
  });

  it("turns a captured outer variable into a clear MsPASSError", async () => {
    const factor = 3;
    const err = await h
      .s()
      .submit((x: number) => x * factor, 2)
      .exception();
    expect(err).toBeInstanceOf(MsPASSError);
    expect(err?.message).toMatch(/uses "factor", which is not defined in the worker/);
  });

  it("releases what a task gives up (releaseAfterTask) only after its result has been sent", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "mspass-release-")), "state");
    const r = (await h.s().submit(task(TASKS, "giveUpBuffer"), marker)) as { head: Float64Array };
    expect(Array.from(r.head)).toEqual([0.5, 1.5, 2.5]);
    for (let i = 0; i < 2000 && !existsSync(marker); i++) await new Promise((ok) => setTimeout(ok, 10));
    expect(readFileSync(marker, "utf8")).toBe("released");
  });

  it("rejects a task's error with the worker's message, type and stack", async () => {
    const f = h.s().submit(task(TASKS, "boom"), "bad input 17");
    await expect(f).rejects.toThrow("bad input 17");
    const err = await f.exception();
    expect(err).toBeInstanceOf(RangeError);
    expect(err?.stack).toMatch(/scheduler-tasks\.mjs/);
  });

  it("an unclonable result or argument fails that task only", async () => {
    const s = h.s();
    const [bad, good] = [s.submit(task(TASKS, "unclonable")), s.submit(double, 4)];
    await expect(bad).rejects.toThrow(/cannot be sent/);
    expect(await good).toBe(8);
    const badArg = s.submit(double, { fn: () => 1 } as unknown as number);
    const goodArg = s.submit(double, 5);
    await expect(badArg).rejects.toThrow(/arguments cannot be sent to a worker/);
    expect(await goodArg).toBe(10);
  });

  it("refuses bad function arguments with MsPASSError naming them", () => {
    const s = h.s();
    expect(() => s.submit(42 as never)).toThrow(/submit: expected a function/);
    expect(() => s.submit(Math.max, 1)).toThrow(/native or bound/);
    expect(() => s.submit(task("./relative.mjs", "x"))).toThrow(/relative/);
    expect(() => s.submit(double, 1, taskOptions({ retries: -1 }))).toThrow(
      /retries must be a non-negative integer/,
    );
  });

  it("retries a failing task", async () => {
    const dir = mkdtempSync("/tmp/mspass-flaky-");
    const f = h.s().submit(task(TASKS, "flaky"), dir, "a", 2, taskOptions({ retries: 2 }));
    expect(await f).toBe(3);
    expect(f.attempts).toBe(3);
    await expect(
      h.s().submit(task(TASKS, "flaky"), dir, "b", 2, taskOptions({ retries: 1 })),
    ).rejects.toThrow("flaky failure 2");
  });

  it("key and pure: pending submissions share a future", async () => {
    const s = h.s();
    const a = s.submit(sleep, 100, "first", taskOptions({ key: "same-key" }));
    expect(s.submit(sleep, 0, "second", taskOptions({ key: "same-key" }))).toBe(a);
    expect(await a).toBe("first");
    const p = s.submit(sleep, 50, { v: 1 }, taskOptions({ pure: true }));
    expect(s.submit(sleep, 50, { v: 1 }, taskOptions({ pure: true }))).toBe(p);
    expect(s.submit(sleep, 50, { v: 2 }, taskOptions({ pure: true }))).not.toBe(p);
  });

  it("map returns futures in order (batchSize honoured, key prefix)", async () => {
    const s = h.s();
    const items = range(1000);
    expect(await s.gather(s.map(double, items, { batchSize: 7 }))).toEqual(items.map((x) => 2 * x));
    expect(() => s.map(double, items, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    const fs = s.map(double, [1, 2], { key: "dbl" });
    expect(fs.map((f) => f.key)).toEqual(["dbl-0", "dbl-1"]);
    expect(await s.gather(fs)).toEqual([2, 4]);
  });

  it("gather: errors raise by default, skip drops failed futures", async () => {
    const s = h.s();
    const fs = [s.submit(double, 1), s.submit(task(TASKS, "boom"), "gather-fail"), s.submit(double, 3), 99];
    await expect(s.gather(fs)).rejects.toThrow("gather-fail");
    expect(await s.gather(fs, { errors: "skip" })).toEqual([2, 6, 99]);
  });

  it("futures as arguments become their values (dependencies)", async () => {
    const s = h.s();
    const a = s.submit(sleep, 50, 20);
    const b = s.submit(add, a, 1);
    const c = s.submit((xs: number[]) => xs.reduce((p, q) => p + q, 0), [a, b, 100]);
    expect(await c).toBe(141);
    await expect(s.submit(double, s.submit(task(TASKS, "boom"), "dep failed"))).rejects.toThrow("dep failed");
  });

  it("scatter (also broadcast) gives futures that tasks use as arguments", async () => {
    const s = h.s();
    const ref = s.scatter(new Float64Array(10_000));
    expect(ref).toBeInstanceOf(Future);
    expect(await s.gather(s.map(task(TASKS, "lengthOf"), [ref, ref, ref]))).toEqual([10_000, 10_000, 10_000]);
    const table = s.scatter({ table: [1, 2, 3] }, { broadcast: true });
    expect(await table).toEqual({ table: [1, 2, 3] });
    const fs = Array.from({ length: 20 }, () => s.submit((d: { table: number[] }) => d.table.length, table));
    expect(new Set(await s.gather(fs))).toEqual(new Set([3]));
    s.release([ref, table]);
  });

  it("asCompleted yields futures as they finish, fastest first; wait", async () => {
    const s = h.s();
    const fs = [s.submit(sleep, 600, "slow"), s.submit(sleep, 10, "fast")];
    const seen: string[] = [];
    for await (const f of s.asCompleted(fs)) seen.push((await f) as string);
    expect(seen).toEqual(["fast", "slow"]);
    const fast = s.submit(sleep, 10, 1);
    const slow = s.submit(sleep, 800, 2);
    const first = await s.wait([fast, slow], { returnWhen: "FIRST_COMPLETED" });
    expect(first.done.has(fast)).toBe(true);
    expect(first.notDone.has(slow)).toBe(true);
    await expect(s.wait([slow], { timeout: 20 })).rejects.toThrow(/still pending after 20 ms/);
  });

  it("cancel: a cancelled future rejects with CancelledError and the scheduler goes on", async () => {
    const s = h.s();
    const running = s.submit(sleep, 300, "r1");
    await new Promise((r) => setTimeout(r, 50));
    s.cancel(running);
    expect(running.status).toBe("cancelled");
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(await s.submit(double, 8)).toBe(16);
    expect(s.state().counts.cancelled).toBeGreaterThanOrEqual(1);
  });

  it("handles many small tasks with results in order", async () => {
    const s = h.s();
    const n = 20_000;
    const out = await s.gather(s.map((x: number) => x + 1, range(n)));
    expect(out).toHaveLength(n);
    expect(out[0]).toBe(1);
    expect(out[n - 1]).toBe(n);
  });
}

export function bagCases(h: Harness): void {
  it("bag map / filter / flatten / mapPartitions in order", async () => {
    const s = h.s();
    expect(await fromSequence(range(1000), { npartitions: 7 }).map(double).compute({ scheduler: s })).toEqual(
      range(1000).map((x) => 2 * x),
    );
    expect(
      await fromSequence(range(20), { npartitions: 3 })
        .filter((x: number) => x % 3 === 0)
        .compute({ scheduler: s }),
    ).toEqual([0, 3, 6, 9, 12, 15, 18]);
    expect(
      await fromSequence([[1, 2], [3], []], { npartitions: 2 })
        .flatten()
        .compute({ scheduler: s }),
    ).toEqual([1, 2, 3]);
    const sizes = await fromSequence(range(10), { npartitions: 3 })
      .mapPartitions((part: number[]) => [part.length, part.reduce((a, b) => a + b, 0)])
      .compute({ scheduler: s });
    expect(sizes).toEqual([4, 6, 4, 22, 2, 17]);
  });

  it("bag fold and foldby combine across partitions", async () => {
    const s = h.s();
    expect(await fromSequence(range(100), { npartitions: 5 }).fold(add).compute({ scheduler: s })).toBe(4950);
    expect(
      await fromSequence(range(10), { npartitions: 3 })
        .fold((a: number, x: number) => a + x, undefined, 1000)
        .compute({ scheduler: s }),
    ).toBe(45 + 4 * 1000);
    const by = await fromSequence(range(10), { npartitions: 4 })
      .foldby(
        (x: number) => x % 2,
        (acc: number, x: number) => acc + x,
        0,
      )
      .compute({ scheduler: s });
    expect(new Map(by)).toEqual(
      new Map([
        [0, 20],
        [1, 25],
      ]),
    );
  });

  it("a failing item rejects compute with the worker's error; stream yields in order", async () => {
    const s = h.s();
    await expect(fromSequence(range(10)).map(task(TASKS, "boom")).compute({ scheduler: s })).rejects.toThrow(
      RangeError,
    );
    const seen: number[] = [];
    for await (const x of fromSequence(range(30), { npartitions: 4 })
      .map((x: number) => x * 3)
      .stream({ scheduler: s }))
      seen.push(x as number);
    expect(seen).toEqual(range(30).map((x) => x * 3));
  });
}

function logFile(): { path: string; lines: () => string[] } {
  const path = join(mkdtempSync(join(tmpdir(), "mspass-plugin-")), "log");
  return {
    path,
    lines: () => (existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").filter(Boolean) : []),
  };
}

export function pluginCases(h: Harness): void {
  it("registerPlugin sets up on every worker thread before resolving; tasks see it; unregister tears down", async () => {
    const s = h.s();
    const log = logFile();
    await s.registerPlugin(
      { module: PLUGINS, export: "LogPlugin", options: { log: log.path, tag: "db" } },
      { name: "db" },
    );
    expect(log.lines().filter((l) => l.startsWith("setup db"))).toHaveLength(h.threads());
    expect(s.plugins()).toContain("db");
    const who = await s.gather(Array.from({ length: 16 }, () => s.submit(task(TASKS, "whoami"), "db")));
    for (const w of who as { plugins: string[]; data: { label: string }[] }[]) {
      expect(w.plugins).toContain("db");
      expect(w.data[0]?.label).toBe("db");
    }
    await s.unregisterPlugin("db");
    expect(log.lines().filter((l) => l.startsWith("teardown db"))).toHaveLength(h.threads());
    await expect(s.unregisterPlugin("db")).rejects.toThrow(/no plugin named "db"/);
  });

  it("a setup that throws rejects registerPlugin and the plugin is not kept", async () => {
    const s = h.s();
    const log = logFile();
    const err = await s
      .registerPlugin(
        { module: FAILING, export: "AlwaysFails", options: { log: log.path } },
        { name: "failing" },
      )
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/setup refused on worker/);
    expect(s.plugins()).not.toContain("failing");
    const who = await s.gather(Array.from({ length: 8 }, () => s.submit(task(TASKS, "whoami"), "failing")));
    for (const w of who as { data: unknown[] }[]) expect(w.data[0]).toBeNull(); // undone where it had started
    await expect(s.registerPlugin({ module: PLUGINS, export: 42 as never })).rejects.toThrow(
      /export must be a non-empty string/,
    );
  });
}
