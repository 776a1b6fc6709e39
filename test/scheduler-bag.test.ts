import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bag, LocalScheduler, fromSequence, task } from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const double = task<(x: number) => number>(TASKS, "double");
const add = task<(a: number, b: number) => number>(TASKS, "add");
const whoami = task<() => { id: number }>(TASKS, "whoami");

let s: LocalScheduler;

beforeAll(async () => {
  s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
});

afterAll(async () => {
  await s?.close();
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("Bag", () => {
  it("fromSequence splits into partitions (npartitions, partitionSize, default ~100)", () => {
    expect(fromSequence(range(10), { npartitions: 3 }).npartitions).toBe(3);
    expect(fromSequence(range(10), { partitionSize: 4 }).npartitions).toBe(3);
    expect(fromSequence(range(1000)).npartitions).toBe(100);
    expect(fromSequence([]).npartitions).toBe(1);
    expect(() => fromSequence(range(3), { npartitions: 0 })).toThrow(
      /npartitions must be a positive integer/,
    );
    expect(() => fromSequence(42 as never)).toThrow(/items must be an array or iterable/);
    expect(fromSequence(new Set([1, 2]))).toBeInstanceOf(Bag);
  });

  it("map is lazy and compute returns results in order", async () => {
    const b = fromSequence(range(1000), { npartitions: 7 });
    const mapped = b.map(double);
    expect(mapped).toBeInstanceOf(Bag);
    expect(await mapped.compute({ scheduler: s })).toEqual(range(1000).map((x) => 2 * x));
    // Source functions work too, and the first scheduler started is the default.
    expect(await b.map((x: number) => x + 0.5).compute()).toEqual(range(1000).map((x) => x + 0.5));
  });

  it("mapPartitions gets each partition as an array", async () => {
    const sizes = await fromSequence(range(10), { npartitions: 3 })
      .mapPartitions((part: number[]) => [part.length, part.reduce((a, b) => a + b, 0)])
      .compute();
    expect(sizes).toEqual([4, 0 + 1 + 2 + 3, 4, 4 + 5 + 6 + 7, 2, 8 + 9]);
    const workers = await fromSequence(range(40), { npartitions: 40 })
      .mapPartitions(task<() => unknown[]>(TASKS, "whoamiList"))
      .compute()
      .catch((e: Error) => e);
    expect(workers).toBeInstanceOf(Error); // no such export: a clear error
    expect((workers as Error).message).toMatch(/no exported function "whoamiList"/);
  });

  it("mapPartitions passes extra arguments after the partition, on workers and in this thread", async () => {
    const b = fromSequence(range(6), { npartitions: 2 }).mapPartitions(
      (part: number[], k: number, p: { add: number }) => part.map((x) => x * k + p.add),
      10,
      { add: 1 },
    );
    const want = [1, 11, 21, 31, 41, 51];
    expect(await b.compute()).toEqual(want);
    expect(await b.compute({ scheduler: "none" })).toEqual(want);
  });

  it("mapPartitions must return an iterable", async () => {
    const seen = await fromSequence(range(20), { npartitions: 2 })
      .mapPartitions(((part: number[]) => part.length) as never)
      .compute()
      .catch((e: Error) => e.message);
    expect(seen).toMatch(/must return an array or iterable/);
  });

  it("partitions run on the workers, spread over all of them", async () => {
    const ws = await Promise.all(
      range(8).map(() => fromSequence(range(16), { npartitions: 16 }).map(whoami).compute()),
    );
    const ids = new Set(ws.flat().map((w) => w.id));
    expect(ids.size).toBe(2);
  });

  it("filter keeps matching items in order", async () => {
    const out = await fromSequence(range(100), { npartitions: 6 })
      .filter((x: number) => x % 7 === 0)
      .compute();
    expect(out).toEqual(range(100).filter((x) => x % 7 === 0));
  });

  it("flatten concatenates arrays", async () => {
    const out = await fromSequence([[1, 2], [], [3], [4, 5, 6]], { npartitions: 2 })
      .flatten()
      .compute();
    expect(out).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(fromSequence([1, 2]).flatten().compute()).rejects.toThrow(
      /flatten: item number is not an array/,
    );
  });

  it("chains steps in one pass per partition", async () => {
    const out = await fromSequence(range(50), { npartitions: 4 })
      .map((x: number) => [x, -x])
      .flatten()
      .filter((x: number) => x > 0)
      .map(double)
      .compute();
    expect(out).toEqual(
      range(50)
        .slice(1)
        .map((x) => 2 * x),
    );
  });

  it("fold with and without initial, with a separate combine", async () => {
    const b = fromSequence(range(101), { npartitions: 5 });
    expect(await b.fold(add).compute()).toBe(5050);
    expect(await b.fold((a: number, x: number) => a + x, undefined, 1000).compute()).toBe(5050 + 6 * 1000);
    // count per partition, then sum the counts
    expect(await b.fold((n: number, _x: number) => n + 1, add, 0).compute()).toBe(101);
    await expect(fromSequence([]).fold(add).compute()).rejects.toThrow(/bag is empty and no initial value/);
  });

  it("foldby groups by key and combines across partitions", async () => {
    const out = await fromSequence(range(100), { npartitions: 7 })
      .foldby(
        (x: number) => x % 3,
        (acc: number, x: number) => acc + x,
        0,
      )
      .compute();
    const expected = new Map<number, number>();
    for (const x of range(100)) expected.set(x % 3, (expected.get(x % 3) ?? 0) + x);
    expect(new Map(out)).toEqual(expected);
    // counting words, with an explicit combine; the result is a bag, so it can go on
    const words = "a b a c b a".split(" ");
    const counts = await fromSequence(words, { npartitions: 3 })
      .foldby(
        (w: string) => w,
        (n: number, _w: string) => n + 1,
        0,
        (a: number, b: number) => a + b,
        0,
      )
      .map((kv: [string, number]) => `${kv[0]}=${kv[1]}`)
      .compute();
    expect(counts.sort()).toEqual(["a=3", "b=2", "c=1"]);
  });

  it("a failing item rejects compute with the worker's error", async () => {
    await expect(fromSequence(range(10)).map(task(TASKS, "boom")).compute()).rejects.toThrow(RangeError);
  });

  it("async functions and async iteration stream results in order", async () => {
    const b = fromSequence(range(30), { npartitions: 6 }).map(async (x: number) => {
      await new Promise((r) => setTimeout(r, (30 - x) % 5));
      return x * x;
    });
    const got: number[] = [];
    for await (const v of b) got.push(v);
    expect(got).toEqual(range(30).map((x) => x * x));
  });

  it('scheduler "none" runs in this thread with the same results and rules', async () => {
    const b = fromSequence(range(60), { npartitions: 4 })
      .map(double)
      .filter((x: number) => x % 3 === 0)
      .mapPartitions((p: number[]) => p.map((x) => [x]))
      .flatten();
    const onWorkers = await b.compute({ scheduler: s });
    expect(await b.compute({ scheduler: "none" })).toEqual(onWorkers);
    expect(await fromSequence(range(101), { npartitions: 5 }).fold(add).compute({ scheduler: "none" })).toBe(
      5050,
    );
    const counts = await fromSequence("a b a".split(" "))
      .foldby(
        (w: string) => w,
        (n: number, _w: string) => n + 1,
        0,
        add,
        0,
      )
      .compute({ scheduler: "none" });
    expect(new Map(counts)).toEqual(
      new Map([
        ["a", 2],
        ["b", 1],
      ]),
    );
    const k = 2;
    await expect(
      fromSequence([1])
        .map((x: number) => x * k)
        .compute({ scheduler: "none" }),
    ).rejects.toThrow(/closures are unsupported/);
    await expect(fromSequence([1]).compute({ scheduler: "nope" as never })).rejects.toThrow(
      /a LocalScheduler, a RedisScheduler or "none"/,
    );
  });

  it("computes a large bag", async () => {
    const n = 200_000;
    const out = await fromSequence(range(n), { npartitions: 20 })
      .map((x: number) => x + 1)
      .compute();
    expect(out.length).toBe(n);
    expect(out[n - 1]).toBe(n);
  });
});
