/**
 * Bags, after dask.bag: a lazy, partitioned sequence. `map`, `filter`,
 * `flatten` and `mapPartitions` only record steps; `compute()` runs every
 * partition's whole pipeline as one task on a worker and returns the items
 * in their original order. `fold` and `foldby` reduce each partition on a
 * worker and combine the partial results in one more task.
 *
 * Functions follow the scheduler's rules (see task-ref.ts): a
 * self-contained function (no closures) or `task(import.meta.url, "name")`.
 */
import { MsPASSError } from "../errors.js";
import type { Stage } from "./executor.js";
import { Future } from "./future.js";
import { gatherAll } from "./futures-ops.js";
import { InlineRunner, type BagRunner } from "./inline.js";
import { currentScheduler, schedulerOption, type Scheduler } from "./scheduler.js";
import { barFor, type ProgressOption } from "./progress.js";
import { FN_FOLD_COMBINE, FN_FOLDBY_COMBINE, FN_PARTITION } from "./protocol.js";
import { inFlightLimit, submitStream, type PartitionStream } from "./bag-stream.js";
import type { AnyFunction, FnDef, TaskFn } from "./task-ref.js";

export interface FromSequenceOptions {
  /** Number of partitions (default: about 100, as dask). */
  npartitions?: number;
  /** Items per partition (alternative to npartitions). */
  partitionSize?: number;
}

export interface ComputeOptions {
  /**
   * Default: the oldest scheduler still open. `"none"` runs every
   * partition in this thread, one after another (same function rules).
   */
  scheduler?: Scheduler | "none";
  /** Terminal progress bar over the partitions (drawn only on a TTY). */
  progress?: ProgressOption;
  /** Re-runs of a partition after its worker died or it threw (default 0; LocalScheduler only). */
  retries?: number;
}

type StageSpec =
  | { op: "map" | "mapPartitions"; fn: TaskFn; label: string; args: unknown[] }
  | { op: "filter"; fn: TaskFn; label: string }
  | { op: "flatten"; label: string };

type Source =
  | { kind: "seq"; partitions: unknown[][] }
  | { kind: "deferred"; label: string; run: (opts: ComputeOptions) => Promise<unknown[]> }
  | { kind: "stream"; stream: PartitionStream };

function fnLabel(fn: TaskFn): string {
  if (typeof fn === "function") return fn.name || "lambda";
  return (fn as { export?: string }).export ?? "fn";
}

function resolveScheduler(options: ComputeOptions): BagRunner {
  const chosen = schedulerOption("compute", options.scheduler);
  if (chosen === "none") return new InlineRunner();
  const s = chosen ?? currentScheduler();
  if (s === undefined) {
    throw new MsPASSError(
      'compute: no scheduler; start one with LocalScheduler.start(), or pass { scheduler } ("none" runs in this thread)',
      "Invalid",
    );
  }
  if (s.closed) throw new MsPASSError("compute: the scheduler is closed", "Invalid");
  return s;
}

/** Split `items` into a Bag (dask's `from_sequence`). */
export function fromSequence<T>(items: Iterable<T>, options: FromSequenceOptions = {}): Bag<T> {
  if (items === null || typeof (items as Iterable<T>)?.[Symbol.iterator] !== "function") {
    throw new MsPASSError("fromSequence: items must be an array or iterable", "Invalid");
  }
  const all = Array.isArray(items) ? items : [...items];
  const { npartitions, partitionSize } = options;
  if (npartitions !== undefined && partitionSize !== undefined) {
    throw new MsPASSError("fromSequence: give npartitions or partitionSize, not both", "Invalid");
  }
  let size: number;
  if (partitionSize !== undefined) {
    if (!Number.isInteger(partitionSize) || partitionSize < 1) {
      throw new MsPASSError(
        `fromSequence: partitionSize must be a positive integer, got ${String(partitionSize)}`,
        "Invalid",
      );
    }
    size = partitionSize;
  } else if (npartitions !== undefined) {
    if (!Number.isInteger(npartitions) || npartitions < 1) {
      throw new MsPASSError(
        `fromSequence: npartitions must be a positive integer, got ${String(npartitions)}`,
        "Invalid",
      );
    }
    size = Math.max(1, Math.ceil(all.length / npartitions));
  } else {
    size = Math.max(1, Math.ceil(all.length / 100));
  }
  const partitions: unknown[][] = [];
  for (let i = 0; i < all.length; i += size) partitions.push(all.slice(i, i + size));
  if (partitions.length === 0) partitions.push([]);
  return new Bag<T>({ kind: "seq", partitions }, []);
}

/**
 * @internal A Bag whose partitions `stream` produces while the job runs,
 * pulled with backpressure (bag-stream.ts); each compute opens it afresh.
 */
export function fromPartitionStream<T>(stream: PartitionStream): Bag<T> {
  return new Bag<T>({ kind: "stream", stream }, []);
}

export class Bag<T> implements AsyncIterable<T> {
  readonly #source: Source;
  readonly #stages: StageSpec[];

  /** @internal Use fromSequence(). */
  constructor(source: Source, stages: StageSpec[]) {
    this.#source = source;
    this.#stages = stages;
  }

  /** Partitions of the bag; for a bag streamed from a source, what is known before it runs (NaN: not known). */
  get npartitions(): number {
    if (this.#source.kind === "seq") return this.#source.partitions.length;
    return this.#source.kind === "stream" ? this.#source.stream.expected : 1;
  }

  #with(stage: StageSpec): Bag<never> {
    return new Bag<never>(this.#source, [...this.#stages, stage]);
  }

  /**
   * Apply `fn` to each item; extra `args` follow the item in every call
   * (dask's `map(func, *args)`), e.g. `bag.map(algorithms.filter, { type:
   * "lowpass", freq: 2 })`. The args travel to the workers with the task.
   */
  map<U, A extends unknown[] = []>(fn: TaskFn<(item: T, ...args: A) => U>, ...args: A): Bag<Awaited<U>> {
    return this.#with({ op: "map", fn, label: `map(${fnLabel(fn)})`, args });
  }

  filter(fn: TaskFn<(item: T) => unknown>): Bag<T> {
    return this.#with({ op: "filter", fn, label: `filter(${fnLabel(fn)})` });
  }

  /** Concatenate the arrays (iterables) that the items are. */
  flatten(): Bag<T extends Iterable<infer U> ? U : never> {
    return this.#with({ op: "flatten", label: "flatten" });
  }

  /**
   * Apply `fn` to each whole partition (an array); it returns an array or
   * iterable. Extra `args` follow the partition in every call, as in `map`
   * (dask's `map_partitions(func, *args)`).
   */
  mapPartitions<U, A extends unknown[] = []>(
    fn: TaskFn<(partition: T[], ...args: A) => Iterable<U> | Promise<Iterable<U>>>,
    ...args: A
  ): Bag<U> {
    return this.#with({ op: "mapPartitions", fn, label: `mapPartitions(${fnLabel(fn)})`, args });
  }

  /**
   * Reduce with `binop(acc, item)` in each partition, then `combine(a, b)`
   * (default binop) over the partial results. `initial`, when given, starts
   * every partition's reduction and the combine, as in dask.
   */
  fold<A>(
    binop: TaskFn<(acc: A, item: T) => A>,
    combine?: TaskFn<(a: A, b: A) => A>,
    initial?: A,
  ): BagItem<A> {
    const hasInitial = arguments.length >= 3;
    const comb = combine ?? binop;
    return new BagItem<A>(`fold(${fnLabel(binop)})`, async (opts) => {
      const s = resolveScheduler(opts);
      const binDef = s.defOf(binop, "fold");
      const combDef = s.defOf(comb as TaskFn, "fold");
      const partials = await this.#submit(
        s,
        opts,
        [["fold", binDef.id, hasInitial, initial]],
        [binDef],
        `fold(${fnLabel(binop)})`,
      );
      const f = s.makeTask(
        null,
        FN_FOLD_COMBINE,
        [combDef.id, partials, hasInitial, initial],
        { needs: [combDef] },
        s.groupOf(`combine(${fnLabel(comb as TaskFn)})`),
      );
      return (await f.result()) as A;
    });
  }

  /**
   * Group by `key(item)` and fold each group with `binop(acc, item)` (from
   * `initial` when given) per partition; then merge the groups across
   * partitions with `combine(a, b)` (default binop, from `combineInitial`
   * when given). Returns a bag of `[key, value]` pairs (dask's foldby).
   */
  foldby<K, A>(
    key: TaskFn<(item: T) => K>,
    binop: TaskFn<(acc: A, item: T) => A>,
    initial?: A,
    combine?: TaskFn<(a: A, b: A) => A>,
    combineInitial?: A,
  ): Bag<[K, A]> {
    const hasInitial = arguments.length >= 3 && initial !== undefined;
    const hasCombineInitial = arguments.length >= 5;
    const comb = combine ?? binop;
    const label = `foldby(${fnLabel(key)},${fnLabel(binop)})`;
    const run = async (opts: ComputeOptions): Promise<unknown[]> => {
      const s = resolveScheduler(opts);
      const keyDef = s.defOf(key, "foldby");
      const binDef = s.defOf(binop, "foldby");
      const combDef = s.defOf(comb as TaskFn, "foldby");
      const partials = await this.#submit(
        s,
        opts,
        [["foldby", keyDef.id, binDef.id, hasInitial, initial]],
        [keyDef, binDef],
        label,
      );
      const f = s.makeTask(
        null,
        FN_FOLDBY_COMBINE,
        [combDef.id, partials, hasCombineInitial, combineInitial],
        { needs: [combDef] },
        s.groupOf(`combine(${fnLabel(comb as TaskFn)})`),
      );
      return (await f.result()) as unknown[];
    };
    return new Bag<[K, A]>({ kind: "deferred", label, run }, []);
  }

  /** Submit one task per partition; futures in partition order. */
  async #submit(
    s: BagRunner,
    opts: ComputeOptions,
    extra: Stage[],
    extraDefs: FnDef[],
    label: string,
  ): Promise<Future<unknown[]>[]> {
    const defs: FnDef[] = [...extraDefs];
    const stages: Stage[] = [];
    for (const st of this.#stages) {
      if (st.op === "flatten") stages.push(["flatten"]);
      else {
        const d = s.defOf(st.fn as TaskFn<AnyFunction>, st.op);
        defs.push(d);
        stages.push(st.op !== "filter" && st.args.length > 0 ? [st.op, d.id, st.args] : [st.op, d.id]);
      }
    }
    stages.push(...extra);
    const names = this.#stages.map((st) => st.label);
    if (extra.length > 0) names.push(label);
    const group = s.groupOf(names.length > 0 ? names.join("·") : "partition");
    const submit = (p: unknown[]) =>
      s.makeTask(null, FN_PARTITION, [stages, p], { needs: defs, retries: opts.retries }, group) as Future<
        unknown[]
      >;
    let futures: Future<unknown[]>[];
    if (this.#source.kind === "stream")
      futures = await submitStream(this.#source.stream, submit, () => inFlightLimit(s));
    else if (this.#source.kind === "seq") futures = this.#source.partitions.map(submit);
    else futures = [submit(await this.#source.run({ ...opts, progress: false }))];
    const bar = barFor(opts.progress, group.name);
    if (bar !== null) {
      bar.track(futures);
      void gatherAll(futures, { errors: "skip" }).then(() => bar.finish());
    }
    return futures;
  }

  /** Run the pipeline; all items in order. */
  async compute(options: ComputeOptions = {}): Promise<T[]> {
    const s = resolveScheduler(options);
    const futures = await this.#submit(s, options, [], [], "");
    try {
      return (await gatherAll(futures)).flat(1) as T[];
    } catch (err) {
      // One failed partition fails the compute: the others must not run on
      // after it rejected (a running task sees its taskSignal aborted).
      for (const f of futures) f.cancel();
      throw err;
    }
  }

  /** Items in order, partition by partition as each finishes (all partitions run in parallel). */
  async *stream(options: ComputeOptions = {}): AsyncGenerator<T> {
    const s = resolveScheduler(options);
    const futures = await this.#submit(s, options, [], [], "");
    try {
      for (const f of futures) yield* (await f.result()) as T[];
    } finally {
      for (const f of futures) f.cancel();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.stream();
  }
}

/** A lazy single value (the result of fold). */
export class BagItem<T> {
  readonly label: string;
  readonly #run: (opts: ComputeOptions) => Promise<T>;

  /** @internal */
  constructor(label: string, run: (opts: ComputeOptions) => Promise<T>) {
    this.label = label;
    this.#run = run;
  }

  compute(options: ComputeOptions = {}): Promise<T> {
    return this.#run(options);
  }
}
