/**
 * RedisScheduler: the LocalScheduler's futures API (submit / map / gather /
 * scatter / asCompleted / wait / cancel, bags, plugins, dashboard) over
 * BullMQ on Redis, run by `mspass worker` processes on any number of hosts.
 *
 * Design notes (why it looks like this):
 * - Tasks travel in BATCHES: one BullMQ job holds many tasks (about
 *   queued / (2 × worker threads), at most MAX_JOB_TASKS), and a bag
 *   partition is one task. A job per task would pay a Redis round trip (and
 *   BullMQ's Lua scripts) per task.
 * - Jobs are added with addBulk (one round trip per dispatch) and results
 *   come back as BullMQ "completed" events (QueueEvents over a Redis stream).
 * - Task ids are this client's and travel with the tasks: a job re-run after
 *   its worker process died (BullMQ stalled-job recovery) runs the same task
 *   ids, which the idempotent writeDistributedData keys on.
 * - Stalled recovery is BullMQ's (lock + stalled interval, set on the
 *   workers); a job that stalls more than the workers' maxStalledCount fails,
 *   and only then are its tasks charged one retry each. Task errors come back
 *   inside the job's result, task by task, and are retried here.
 * - If Redis goes away, BullMQ reconnects. When it is back, this client
 *   re-publishes its plugins and re-adds every job still in flight under the
 *   same job id (a server restarted without persistence lost them; a job
 *   that still exists is not added twice). If it stays away longer than
 *   `redisTimeoutMs`, every pending task fails with ONE error naming the
 *   server (credentials masked).
 * - Scattered data is kept here and sent with the jobs that use it (no
 *   worker-side store that a restarting worker could lose).
 */
import { EventEmitter } from "node:events";
import { createHash, randomBytes } from "node:crypto";
import { serialize } from "node:v8";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { MsPASSError, maskCredentials } from "../../errors.js";
import { checkArguments } from "../arg-guards.js";
import { Dashboard } from "../dashboard.js";
import { deserializeError } from "../error-transport.js";
import { CancelledError, Future, TASK, isSettled, onSettled, settle, type Task, type TaskGroup, type TaskState } from "../future.js";
import { AsCompleted, gatherAll, waitFor, type GatherOptions, type WaitOptions, type WaitResult } from "../futures-ops.js";
import type { MapOptions, SchedulerGatherOptions, SchedulerState, ScatterOptions, WorkerInfo } from "../local.js";
import { WorkerDiedError } from "../local.js";
import { barFor } from "../progress.js";
import type { PluginWire } from "../protocol.js";
import { PriorityQueue } from "../queue.js";
import { registerBagScheduler, unregisterBagScheduler } from "../runner-registry.js";
import {
  describeFn,
  isTaskOptions,
  isTransfer,
  normalizeModule,
  type AnyFunction,
  type FnDef,
  type SubmitOptions,
  type TaskFn,
} from "../task-ref.js";
import type { PluginSpec, RegisterPluginOptions } from "../worker-context.js";
import { parseRedisAddress, type RedisAddress } from "./address.js";
import { bullQueueName, decode, encode, keys, type JobPayload, type JobResult, type WireTask, type WorkerHeartbeat } from "./wire.js";

const MAX_JOB_TASKS = 1024;
const STREAM_KEEP = 4000;
const WORKERS_POLL_MS = 1000;
const HEALTH_MS = 250;

export interface RedisSchedulerOptions {
  /** The Redis server: `host`, `host:port`, `redis://[user:pass@]host:port[/db]` (Client: `schedulerHost`). */
  address: string;
  /** Cluster name: the workers started with `--queue` of the same name serve it (default "mspass"). */
  queue?: string;
  /** Serve the live dashboard (default true). */
  dashboard?: boolean;
  /** First port to try on 127.0.0.1 (default 8787; 0 = any; false = no dashboard). */
  dashboardPort?: number | false;
  /** How long Redis may be unreachable before every pending task fails (default 30 000 ms). */
  redisTimeoutMs?: number;
  /** How long registerPlugin waits for every live worker process to set a plugin up (default 60 000 ms). */
  pluginTimeoutMs?: number;
}

/** A worker process as the dashboard shows it (one row per process, with its host). */
export interface RemoteWorkerInfo extends WorkerInfo {
  host: string;
  address: string;
  pid: number;
  nthreads: number;
}

interface JobRec {
  id: string;
  tasks: Task[];
  /** Encoded JobPayload, kept to re-add the job after a Redis restart. */
  data: string;
  added: number;
  /** Times a worker process started it (BullMQ "active" events). */
  starts: number;
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new MsPASSError(`${what} must be a positive integer, got ${String(v)}`, "Invalid");
  }
  return v;
}

function nonNegativeInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new MsPASSError(`${what} must be a non-negative integer, got ${String(v)}`, "Invalid");
  }
  return v;
}

function positiveMs(v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new MsPASSError(`${what} must be a positive number of milliseconds, got ${String(v)}`, "Invalid");
  }
  return v;
}

export class RedisScheduler extends EventEmitter {
  /** The Redis server, credentials masked. */
  readonly address: string;
  readonly queueName: string;
  readonly #addr: RedisAddress;
  readonly #keys: ReturnType<typeof keys>;
  readonly #clientId = randomBytes(6).toString("hex");
  readonly #startedAt = Date.now();
  readonly #redisTimeoutMs: number;
  readonly #pluginTimeoutMs: number;
  #queue!: Queue;
  #events!: QueueEvents;
  #redis!: Redis;
  #dashboard: Dashboard | undefined;

  #nextTaskId = 1;
  #nextFnId = 1;
  #nextJob = 1;
  #nextPluginVersion = 1;
  #pending = new PriorityQueue<Task>();
  #counts: Record<TaskState, number> = { waiting: 0, queued: 0, processing: 0, finished: 0, error: 0, cancelled: 0 };
  #dispatchQueued = false;
  #jobs = new Map<string, JobRec>();
  #fnIds = new WeakMap<object, FnDef>();
  #defsByText = new Map<string, FnDef>();
  #defsById = new Map<number, FnDef>();
  #keysIndex = new Map<string, Future<unknown>>();
  #waitingDeps = new Set<Task>();
  #groups = new Map<string, TaskGroup>();
  #plugins = new Map<string, PluginWire>();
  #lastPluginVersion = 0;
  #stream: { worker: number; name: string; start: number; end: number; n: number; erred: number }[] = [];
  #reruns = 0;
  #remote: RemoteWorkerInfo[] = [];
  #workerNumbers = new Map<string, number>();
  #workersTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  /** Since when Redis has been unreachable (Date.now()), and why. */
  #downSince: number | undefined;
  #downError: Error | undefined;
  #closing: Promise<void> | undefined;
  readonly #cancelFn = (t: Task): void => this.#cancelTask(t);

  private constructor(addr: RedisAddress, options: RedisSchedulerOptions) {
    super();
    this.#addr = addr;
    this.address = addr.display;
    this.queueName = options.queue ?? "mspass";
    if (!/^[A-Za-z0-9_.-]+$/.test(this.queueName)) {
      throw new MsPASSError(`queue must be letters, digits, '_', '.' or '-', got ${JSON.stringify(this.queueName)}`, "Invalid");
    }
    this.#keys = keys(this.queueName);
    this.#redisTimeoutMs = positiveMs(options.redisTimeoutMs, "redisTimeoutMs", 30_000);
    this.#pluginTimeoutMs = positiveMs(options.pluginTimeoutMs, "pluginTimeoutMs", 60_000);
  }

  /**
   * Connect to Redis and resolve once the result stream is being read.
   * Workers (`mspass worker --scheduler <address>`) may start before or
   * after; tasks wait in Redis until one takes them.
   */
  static async start(options: RedisSchedulerOptions): Promise<RedisScheduler> {
    if (typeof options !== "object" || options === null) throw new MsPASSError("RedisScheduler.start: options must be an object", "Invalid");
    const addr = parseRedisAddress(options.address, "schedulerHost");
    const s = new RedisScheduler(addr, options);
    try {
      await s.#connect();
      if (options.dashboard !== false && options.dashboardPort !== false) {
        const port = options.dashboardPort === undefined ? 8787 : nonNegativeInt(options.dashboardPort, "dashboardPort");
        s.#dashboard = await Dashboard.start(s, port);
      }
    } catch (err) {
      await s.close().catch(() => undefined);
      throw err;
    }
    registerBagScheduler(s);
    return s;
  }

  async #connect(): Promise<void> {
    const connection = { ...this.#addr.connection, maxRetriesPerRequest: null, enableReadyCheck: true };
    this.#redis = new Redis({ ...connection, lazyConnect: true });
    this.#redis.on("error", (err: Error) => this.#onRedisError(err));
    this.#redis.on("ready", () => this.#onRedisReady());
    const first = await this.#redis.connect().then(
      () => null,
      (err: Error) => err,
    );
    if (first !== null) {
      throw new MsPASSError(`cannot reach the Redis server at ${this.address}: ${maskCredentials(first.message)}`, "Fatal", { cause: first });
    }
    const name = bullQueueName(this.queueName);
    this.#queue = new Queue(name, { connection });
    this.#queue.on("error", (err: Error) => this.#onRedisError(err));
    this.#events = new QueueEvents(name, { connection });
    this.#events.on("error", (err: Error) => this.#onRedisError(err));
    this.#events.on("completed", ({ jobId, returnvalue }) => this.#onJobCompleted(jobId, returnvalue as unknown));
    this.#events.on("failed", ({ jobId, failedReason }) => this.#onJobFailed(jobId, failedReason));
    this.#events.on("active", ({ jobId }) => this.#onJobActive(jobId));
    await Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady()]);
    await this.#pollWorkers();
    this.#workersTimer = setInterval(() => void this.#pollWorkers(), WORKERS_POLL_MS);
    this.#workersTimer.unref();
    this.#healthTimer = setInterval(() => this.#checkHealth(), HEALTH_MS);
    this.#healthTimer.unref();
  }

  /** `http://127.0.0.1:PORT/status`, or undefined when the dashboard is off. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.link;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---------------------------------------------------------------- Redis health

  #onRedisError(err: Error): void {
    if (this.#closing !== undefined) return;
    if (this.#downSince === undefined) {
      this.#downSince = Date.now();
      this.emit("redis-down", { address: this.address, error: maskCredentials(err.message) });
    }
    this.#downError = err;
  }

  #onRedisReady(): void {
    if (this.#downSince === undefined || this.#closing !== undefined) return;
    this.#downSince = undefined;
    this.#downError = undefined;
    this.emit("redis-up", { address: this.address });
    void this.#recoverAfterOutage();
  }

  /** Redis is back: it may have restarted empty. Put back what this client relies on. */
  async #recoverAfterOutage(): Promise<void> {
    try {
      if (this.#plugins.size > 0) await this.#publishPlugins();
      const jobs = [...this.#jobs.values()];
      for (let i = 0; i < jobs.length; i += 500) {
        await this.#queue.addBulk(jobs.slice(i, i + 500).map((j) => this.#bullJob(j)));
      }
    } catch (err) {
      this.#onRedisError(err as Error);
    }
  }

  #checkHealth(): void {
    if (this.#downSince === undefined || this.#closing !== undefined) return;
    const down = Date.now() - this.#downSince;
    if (down < this.#redisTimeoutMs) return;
    if (this.#jobs.size === 0 && this.#counts.queued === 0) return;
    const why = this.#downError ? `: ${maskCredentials(this.#downError.message)}` : "";
    const err = new MsPASSError(
      `the Redis server at ${this.address} did not answer for ${(down / 1000).toFixed(1)} s (redisTimeoutMs ${this.#redisTimeoutMs})${why}`,
      "Fatal",
    );
    for (const j of [...this.#jobs.values()]) {
      this.#jobs.delete(j.id);
      for (const t of j.tasks) if (t.worker === j.id) this.#settle(t, "error", undefined, err);
    }
    for (const t of this.#pending.drain()) if (t.state === "queued") this.#settle(t, "error", undefined, err);
  }

  // ---------------------------------------------------------------- workers (heartbeats)

  async #pollWorkers(): Promise<void> {
    if (this.#closing !== undefined || this.#downSince !== undefined) return;
    try {
      const ids = await this.#redis.smembers(this.#keys.workers);
      if (ids.length === 0) {
        this.#remote = [];
        return;
      }
      const recs = await this.#redis.mget(ids.map((id) => this.#keys.worker(id)));
      const gone = ids.filter((_id, i) => recs[i] === null);
      if (gone.length > 0) await this.#redis.srem(this.#keys.workers, ...gone);
      this.#remote = recs
        .filter((r): r is string => r !== null)
        .map((r) => JSON.parse(r) as WorkerHeartbeat)
        .map((h) => this.#infoOf(h));
    } catch {
      /* the health check reports outages */
    }
  }

  #infoOf(h: WorkerHeartbeat): RemoteWorkerInfo {
    let n = this.#workerNumbers.get(h.id);
    if (n === undefined) this.#workerNumbers.set(h.id, (n = this.#workerNumbers.size + 1));
    return {
      id: n,
      name: `${h.host}:${h.pid} (${h.address}, ${h.nthreads} thread${h.nthreads === 1 ? "" : "s"})`,
      status: "ready",
      threadId: 0,
      processing: h.processing,
      done: h.done,
      erred: h.erred,
      memory: h.memory,
      host: h.host,
      address: h.address,
      pid: h.pid,
      nthreads: h.nthreads,
    };
  }

  async #heartbeats(): Promise<WorkerHeartbeat[]> {
    const ids = await this.#redis.smembers(this.#keys.workers);
    if (ids.length === 0) return [];
    const recs = await this.#redis.mget(ids.map((id) => this.#keys.worker(id)));
    return recs.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerHeartbeat);
  }

  /** The worker processes of every host, as last seen in Redis (refreshed every second). */
  workers(): RemoteWorkerInfo[] {
    return this.#remote.map((w) => ({ ...w }));
  }

  /** Heartbeats carry memory; nothing to ask for. */
  pollMemory(): void {}

  /** Resolve once at least `n` worker processes are alive (heartbeats in Redis). */
  async waitForWorkers(n = 1, timeoutMs = 60_000): Promise<RemoteWorkerInfo[]> {
    positiveInt(n, "waitForWorkers: n");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#pollWorkers();
      if (this.#remote.length >= n) return this.workers();
      if (Date.now() > deadline) {
        throw new MsPASSError(`waitForWorkers: ${this.#remote.length} of ${n} worker process(es) joined ${this.address} within ${timeoutMs} ms`, "Fatal");
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // ---------------------------------------------------------------- tasks

  #group(name: string): TaskGroup {
    let g = this.#groups.get(name);
    if (g === undefined) this.#groups.set(name, (g = { name, total: 0, done: 0, erred: 0, cancelled: 0 }));
    return g;
  }

  #def(fn: TaskFn, where: string): FnDef {
    const cached = typeof fn === "object" || typeof fn === "function" ? this.#fnIds.get(fn as object) : undefined;
    if (cached !== undefined) return cached;
    const desc = describeFn(fn, where);
    const k = desc.kind === "source" ? `src:${desc.source}` : `mod:${desc.module}#${desc.export}`;
    let d = this.#defsByText.get(k);
    if (d === undefined) {
      d = { ...desc, id: this.#nextFnId++ };
      this.#defsByText.set(k, d);
      this.#defsById.set(d.id, d);
    }
    this.#fnIds.set(fn as object, d);
    return d;
  }

  /** @internal Function definition (with id) for a bag stage. */
  defOf(fn: TaskFn, where: string): FnDef {
    this.#checkOpen(where);
    return this.#def(fn, where);
  }

  /** @internal Counters for a task name. */
  groupOf(name: string): TaskGroup {
    return this.#group(name);
  }

  #checkOpen(where: string): void {
    if (this.#closing !== undefined) throw new MsPASSError(`${where}: the scheduler is closed`, "Invalid");
  }

  #move(t: Task, to: TaskState): void {
    this.#counts[t.state]--;
    this.#counts[to]++;
    t.state = to;
  }

  #settle(t: Task, state: "finished" | "error" | "cancelled", value: unknown, error?: Error): void {
    if (isSettled(t)) return;
    this.#counts[t.state]--;
    this.#counts[state]++;
    if (this.#keysIndex.size > 0 && this.#keysIndex.get(t.key)?.[TASK] === t) this.#keysIndex.delete(t.key);
    if (t.pendingDeps > 0) this.#waitingDeps.delete(t);
    settle(t, state, value, error);
  }

  /** @internal Create a task (shared by submit, map and bags). */
  makeTask(
    def: FnDef | null,
    fnId: number,
    args: unknown[],
    opts: { key?: string; retries?: number; priority?: number; pure?: boolean; batchCap?: number; needs?: FnDef[] | null; hold?: boolean },
    group: TaskGroup,
  ): Future<unknown> {
    checkArguments(args, `task ${group.name}`);
    const id = this.#nextTaskId++;
    const retries = opts.retries === undefined ? 0 : nonNegativeInt(opts.retries, "retries");
    const priority = opts.priority ?? 0;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      throw new MsPASSError(`priority must be a finite number, got ${String(priority)}`, "Invalid");
    }
    let deps: Task[] | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Future) (deps ??= []).push(a[TASK]);
      else if (isTransfer(a)) args[i] = a.value; // nothing to move across processes: it is copied
      else if (Array.isArray(a) && a.length > 0 && a.some((x) => x instanceof Future)) {
        for (const x of a) if (x instanceof Future) (deps ??= []).push(x[TASK]);
      }
    }
    let key = opts.key;
    let indexed = true;
    if (key === undefined) {
      indexed = opts.pure === true;
      key = indexed ? `${group.name}-${pureHash(def, fnId, args)}` : `${group.name}-${id}`;
    } else if (typeof key !== "string" || key.length === 0) {
      throw new MsPASSError(`key must be a non-empty string, got ${String(key)}`, "Invalid");
    }
    if (indexed) {
      const existing = this.#keysIndex.get(key);
      if (existing !== undefined) return existing;
    }
    const t: Task = {
      id,
      key,
      state: "waiting",
      fnId,
      needs: opts.needs ?? null,
      def,
      args,
      deps,
      pendingDeps: 0,
      hasScatterRefs: false,
      transfer: null,
      retriesLeft: retries,
      attempts: 0,
      reruns: 0,
      priority,
      batchCap: opts.batchCap ?? MAX_JOB_TASKS,
      group,
      worker: null,
      value: undefined,
      error: undefined,
      listeners: null,
      future: null,
      dataId: 0,
      cancel: this.#cancelFn,
    };
    const f = new Future<unknown>(t);
    t.future = f;
    group.total++;
    this.#counts.waiting++;
    if (indexed) this.#keysIndex.set(key, f);
    if (deps !== null) {
      for (const d of deps) {
        if (!isSettled(d)) {
          t.pendingDeps++;
          onSettled(d, (dep) => this.#depSettled(t, dep));
        } else if (d.state !== "finished") {
          this.#depSettled(t, d);
          return f;
        }
      }
    }
    if (t.pendingDeps > 0) this.#waitingDeps.add(t);
    else if (opts.hold !== true) this.#enqueue(t);
    return f;
  }

  #depSettled(t: Task, dep: Task): void {
    if (t.state !== "waiting") return;
    if (dep.state !== "finished") {
      this.#settle(t, "error", undefined, dep.state === "cancelled" ? new CancelledError(dep.key) : dep.error);
      return;
    }
    if (--t.pendingDeps <= 0) {
      this.#waitingDeps.delete(t);
      this.#enqueue(t);
    }
  }

  #enqueue(t: Task): void {
    this.#move(t, "queued");
    this.#pending.push(t, t.priority);
    if (!this.#dispatchQueued) {
      this.#dispatchQueued = true;
      // A macrotask, not a microtask: a map() of 100,000 items is all queued
      // before the first job is cut, so jobs come out full.
      setImmediate(() => {
        this.#dispatchQueued = false;
        this.#dispatch();
      });
    }
  }

  #threads(): number {
    let n = 0;
    for (const w of this.#remote) n += w.nthreads;
    return Math.max(1, n);
  }

  #dispatch(): void {
    if (this.#counts.queued === 0 || this.#closing !== undefined) return;
    const size = Math.max(1, Math.min(MAX_JOB_TASKS, Math.ceil(this.#counts.queued / (2 * this.#threads()))));
    const jobs: JobRec[] = [];
    while (this.#counts.queued > 0) {
      const job = this.#cutJob(size);
      if (job !== null) jobs.push(job);
    }
    if (jobs.length === 0) return;
    void this.#queue.addBulk(jobs.map((j) => this.#bullJob(j))).catch((err: Error) => {
      // Redis away: the jobs stay in flight here; they are re-added when it is back, or fail at redisTimeoutMs.
      this.#onRedisError(err);
    });
  }

  #bullJob(j: JobRec): { name: string; data: { p: string }; opts: { jobId: string; removeOnComplete: boolean; removeOnFail: boolean; attempts: number } } {
    return { name: "tasks", data: { p: j.data }, opts: { jobId: j.id, removeOnComplete: true, removeOnFail: true, attempts: 1 } };
  }

  /** Take up to `size` queued tasks into one job; null when every taken task failed to encode. */
  #cutJob(size: number): JobRec | null {
    const tasks: Task[] = [];
    let cap = size;
    while (tasks.length < cap) {
      const t = this.#pending.shift();
      if (t === undefined) break;
      if (t.state !== "queued") continue;
      if (t.batchCap < cap) cap = Math.max(t.batchCap, tasks.length + 1);
      tasks.push(t);
    }
    if (tasks.length === 0) return null;
    const wire = (t: Task): WireTask => ({ id: t.id, fnId: t.fnId, args: t.deps === null ? t.args : t.args.map((a) => wireArg(a)) });
    const defsOf = (ts: Task[]): FnDef[] => {
      const m = new Map<number, FnDef>();
      for (const t of ts) {
        if (t.def !== null) m.set(t.def.id, t.def);
        if (t.needs !== null) for (const d of t.needs) m.set(d.id, d);
      }
      return [...m.values()];
    };
    let data: string;
    let ok = tasks;
    try {
      data = encode({ defs: defsOf(tasks), tasks: tasks.map(wire) } satisfies JobPayload);
    } catch {
      // Find the tasks whose arguments cannot be sent; the others go on.
      ok = [];
      for (const t of tasks) {
        try {
          serialize(wire(t).args);
          ok.push(t);
        } catch (e) {
          this.#settle(t, "error", undefined, new MsPASSError(`task ${t.key}: its arguments cannot be sent to a worker: ${(e as Error).message}`, "Invalid"));
        }
      }
      if (ok.length === 0) return null;
      data = encode({ defs: defsOf(ok), tasks: ok.map(wire) } satisfies JobPayload);
    }
    const id = `${this.#clientId}-${this.#nextJob++}`;
    for (const t of ok) {
      this.#move(t, "processing");
      t.worker = id;
    }
    const rec: JobRec = { id, tasks: ok, data, added: Date.now(), starts: 0 };
    this.#jobs.set(id, rec);
    return rec;
  }

  #onJobCompleted(jobId: string, returnvalue: unknown): void {
    const j = this.#jobs.get(jobId);
    if (j === undefined) return; // another client's job, or a duplicate completion
    this.#jobs.delete(jobId);
    let r: JobResult;
    try {
      r = decode<JobResult>(typeof returnvalue === "string" ? returnvalue : String(returnvalue));
    } catch (err) {
      this.#failJob(j, `its result could not be decoded: ${(err as Error).message}`);
      return;
    }
    let ei = 0;
    let erred = 0;
    for (let i = 0; i < j.tasks.length; i++) {
      const t = j.tasks[i];
      const err = ei < r.errs.length && r.errs[ei][0] === i ? r.errs[ei++][1] : undefined;
      if (t.worker !== jobId || t.state !== "processing") continue; // cancelled meanwhile
      if (err !== undefined) {
        erred++;
        if (t.retriesLeft > 0) {
          t.retriesLeft--;
          t.worker = null;
          this.#move(t, "waiting");
          this.#enqueue(t);
        } else this.#settle(t, "error", undefined, deserializeError(err));
      } else this.#settle(t, "finished", r.vals[i]);
    }
    const name = j.tasks[0]?.group.name ?? "?";
    this.#stream.push({ worker: this.#workerNumber(r.worker), name, start: r.start, end: r.end, n: j.tasks.length, erred });
    if (this.#stream.length > STREAM_KEEP * 2) this.#stream = this.#stream.slice(-STREAM_KEEP);
  }

  #workerNumber(id: string): number {
    let n = this.#workerNumbers.get(id);
    if (n === undefined) this.#workerNumbers.set(id, (n = this.#workerNumbers.size + 1));
    return n;
  }

  /**
   * A worker process started the job. Counting starts (not stalls) gives
   * exact attempts: a start after the first is a re-run, after BullMQ found
   * the previous worker process dead or cut off (stalled-job recovery).
   */
  #onJobActive(jobId: string): void {
    const j = this.#jobs.get(jobId);
    if (j === undefined) return;
    const rerun = j.starts++ > 0;
    for (const t of j.tasks) {
      if (t.worker !== jobId || t.state !== "processing") continue;
      t.attempts++;
      if (rerun) {
        t.reruns++;
        this.#reruns++;
      }
    }
    if (rerun) this.emit("job-rerun", { jobId });
  }

  #onJobFailed(jobId: string, reason: string): void {
    const j = this.#jobs.get(jobId);
    if (j === undefined) return;
    this.#jobs.delete(jobId);
    this.#failJob(j, maskCredentials(reason));
  }

  /** The job as a whole failed (its worker processes died or lost Redis too often): charge each task one retry. */
  #failJob(j: JobRec, reason: string): void {
    for (const t of j.tasks) {
      if (t.worker !== j.id || t.state !== "processing") continue;
      if (t.retriesLeft > 0) {
        t.retriesLeft--;
        t.worker = null;
        this.#move(t, "waiting");
        this.#enqueue(t);
      } else {
        this.#settle(
          t,
          "error",
          undefined,
          new WorkerDiedError(
            `task ${t.key} (job ${j.id} on ${this.address}) failed: ${reason}; no retries left after ${t.attempts} attempt(s)`,
          ),
        );
      }
    }
    this.emit("job-failed", { jobId: j.id, reason });
  }

  #cancelTask(t: Task): void {
    this.#settle(t, "cancelled", undefined, new CancelledError(t.key));
  }

  // ---------------------------------------------------------------- futures API (as LocalScheduler)

  /** Run `fn(...args)` on a worker process (see LocalScheduler.submit). */
  submit<F extends AnyFunction>(fn: TaskFn<F>, ...args: unknown[]): Future<Awaited<ReturnType<F>>> {
    this.#checkOpen("submit");
    let opts: SubmitOptions = {};
    if (args.length > 0 && isTaskOptions(args[args.length - 1])) opts = args.pop() as SubmitOptions;
    const def = this.#def(fn, "submit");
    return this.makeTask(def, def.id, args, opts, this.#group(def.name)) as Future<Awaited<ReturnType<F>>>;
  }

  /** `submit(fn, item)` for each item; returns the futures in order. */
  map<F extends AnyFunction>(fn: TaskFn<F>, items: Iterable<unknown>, options: MapOptions = {}): Future<Awaited<ReturnType<F>>>[] {
    this.#checkOpen("map");
    if (items === null || typeof (items as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new MsPASSError("map: items must be an iterable", "Invalid");
    }
    const def = this.#def(fn, "map");
    const batchCap = options.batchSize === undefined ? undefined : positiveInt(options.batchSize, "map: batchSize");
    const group = this.#group(def.name);
    const out: Future<Awaited<ReturnType<F>>>[] = [];
    let i = 0;
    const base = { retries: options.retries, priority: options.priority, pure: options.pure, batchCap, key: undefined as string | undefined };
    for (const item of items) {
      if (options.key !== undefined) base.key = `${options.key}-${i}`;
      out.push(this.makeTask(def, def.id, [item], base, group) as Future<Awaited<ReturnType<F>>>);
      i++;
    }
    const bar = barFor(options.progress, def.name);
    if (bar !== null) {
      bar.track(out);
      void gatherAll(out, { errors: "skip" }).then(() => bar.finish());
    }
    return out;
  }

  gather<T>(futures: Future<T>, options?: SchedulerGatherOptions): Promise<T>;
  gather<T>(futures: readonly (Future<T> | T)[], options?: SchedulerGatherOptions): Promise<T[]>;
  async gather<T>(futures: Future<T> | readonly (Future<T> | T)[], options: SchedulerGatherOptions = {}): Promise<T | T[]> {
    if (futures instanceof Future) return futures.result();
    if (!Array.isArray(futures)) throw new MsPASSError("gather: expected a Future or an array of futures", "Invalid");
    const bar = barFor(options.progress, "gather");
    if (bar !== null) bar.track(futures.filter((f): f is Future<T> => f instanceof Future) as Future<unknown>[]);
    try {
      return (await gatherAll(futures as readonly (Future<T> | T)[], options as GatherOptions)) as T[];
    } finally {
      bar?.finish();
    }
  }

  /**
   * Data for tasks to use (dask's scatter). The value stays in this process
   * and travels with each job that uses it; `broadcast` changes nothing
   * here (every worker process receives it with its jobs).
   */
  scatter<T>(data: T[], options?: ScatterOptions): Future<T>[];
  scatter<T>(data: T, options?: ScatterOptions): Future<T>;
  scatter<T>(data: T | T[], _options: ScatterOptions = {}): Future<T> | Future<T>[] {
    this.#checkOpen("scatter");
    if (Array.isArray(data)) return data.map((d) => this.#scatterOne<T>(d));
    return this.#scatterOne<T>(data as T);
  }

  #scatterOne<T>(value: T): Future<T> {
    checkArguments([value], "scatter");
    try {
      serialize(value);
    } catch (err) {
      throw new MsPASSError(`scatter: the data cannot be sent to workers: ${(err as Error).message}`, "Invalid");
    }
    const f = this.makeTask(null, 0, [], { hold: true }, this.#group("scatter")) as Future<T>;
    const t = f[TASK];
    t.cancel = null;
    this.#settle(t, "finished", value);
    return f;
  }

  /** Forget scattered data (nothing is held on the workers). */
  release(_futures: Future<unknown> | Iterable<Future<unknown>>): void {}

  asCompleted<T>(futures: Iterable<Future<T>> = []): AsCompleted<T> {
    return new AsCompleted(futures);
  }

  wait<T>(futures: Iterable<Future<T>>, options?: WaitOptions): Promise<WaitResult<T>> {
    return waitFor(futures, options);
  }

  cancel(futures: Future<unknown> | Iterable<Future<unknown>>): void {
    const list = futures instanceof Future ? [futures] : [...futures];
    for (const f of list) f.cancel();
  }

  // ---------------------------------------------------------------- plugins

  /** Next plugin-set version: monotonic across Redis restarts (workers compare for equality, acks for >=). */
  #nextVersion(): number {
    this.#lastPluginVersion = Math.max(Date.now(), this.#lastPluginVersion + 1);
    return this.#lastPluginVersion;
  }

  async #publishPlugins(): Promise<number> {
    const v = this.#nextVersion();
    const m = this.#redis.multi().del(this.#keys.plugins);
    for (const p of this.#plugins.values()) m.hset(this.#keys.plugins, p.name, encode(p));
    m.set(this.#keys.pluginVersion, String(v));
    await m.exec();
    return v;
  }

  /**
   * Register a worker plugin on every worker process (and every thread of
   * each), now and on processes that join later or restart. Resolves once
   * every live worker process has set it up; rejects with the first setup
   * error (the plugin is then removed everywhere), as LocalScheduler does.
   */
  async registerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    this.#checkOpen("registerPlugin");
    if (typeof spec !== "object" || spec === null) throw new MsPASSError("registerPlugin: plugin must be { module, export, options? }", "Invalid");
    const module = normalizeModule(spec.module, "registerPlugin");
    if (typeof spec.export !== "string" || spec.export.length === 0) {
      throw new MsPASSError(`registerPlugin: plugin export must be a non-empty string, got ${String(spec.export)}`, "Invalid");
    }
    const name = options.name ?? spec.export;
    if (typeof name !== "string" || name.length === 0) throw new MsPASSError("registerPlugin: name must be a non-empty string", "Invalid");
    if (options.idempotent && this.#plugins.has(name)) return;
    try {
      serialize(spec.options);
    } catch (err) {
      throw new MsPASSError(`registerPlugin: options of plugin "${name}" cannot be sent to workers: ${(err as Error).message}`, "Invalid");
    }
    const wire: PluginWire = { name, module, export: spec.export, options: spec.options, version: this.#nextPluginVersion++ };
    this.#plugins.delete(name);
    this.#plugins.set(name, wire);
    const v = await this.#publishPlugins();
    const failure = await this.#awaitPluginAcks(v);
    if (failure === null) return;
    if (this.#plugins.get(name) === wire) this.#plugins.delete(name);
    await this.#publishPlugins();
    throw failure;
  }

  registerWorkerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    return this.registerPlugin(spec, options);
  }

  async unregisterPlugin(name: string): Promise<void> {
    this.#checkOpen("unregisterPlugin");
    if (!this.#plugins.has(name)) throw new MsPASSError(`unregisterPlugin: no plugin named "${String(name)}" is registered`, "Invalid");
    this.#plugins.delete(name);
    const v = await this.#publishPlugins();
    const failure = await this.#awaitPluginAcks(v);
    if (failure) throw failure;
  }

  plugins(): string[] {
    return [...this.#plugins.keys()];
  }

  /** Wait until every live worker process applied plugin-set `v`; its first setup error, or null. */
  async #awaitPluginAcks(v: number): Promise<Error | null> {
    const deadline = Date.now() + this.#pluginTimeoutMs;
    for (;;) {
      const hbs = await this.#heartbeats();
      const failed = hbs.find((h) => h.pluginError !== null && Number(h.pluginVersion) >= v);
      if (failed !== undefined) {
        const e = deserializeError(failed.pluginError!);
        e.message = `plugin setup failed on worker process ${failed.host}:${failed.pid}: ${e.message}`;
        return e;
      }
      const behind = hbs.filter((h) => Number(h.pluginVersion) < v || h.pluginVersion === null);
      if (behind.length === 0) return null;
      if (Date.now() > deadline) {
        return new MsPASSError(
          `registerPlugin: ${behind.length} worker process(es) (${behind.map((h) => `${h.host}:${h.pid}`).join(", ")}) did not set the plugins up within ${this.#pluginTimeoutMs} ms`,
          "Fatal",
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---------------------------------------------------------------- diagnostics

  /** Snapshot for the dashboard: the worker processes of every host, the task groups and the job stream. */
  state(since = 0): SchedulerState {
    const c = this.#counts;
    const stream = this.#stream.filter((s) => s.end >= since).slice(-STREAM_KEEP);
    return {
      time: Date.now(),
      started: this.#startedAt,
      counts: { waiting: c.waiting + c.queued, processing: c.processing, done: c.finished, erred: c.error, cancelled: c.cancelled },
      workers: this.workers(),
      groups: [...this.#groups.values()].filter((g) => g.name !== "scatter").map((g) => ({ ...g })),
      stream,
      restarts: 0,
      reruns: this.#reruns,
    };
  }

  // ---------------------------------------------------------------- shutdown

  /** Pending futures reject; connections close; the worker processes keep running for the next client. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    unregisterBagScheduler(this);
    clearInterval(this.#workersTimer);
    clearInterval(this.#healthTimer);
    const closed = new MsPASSError("the scheduler was closed", "Fatal");
    for (const t of this.#pending.drain()) if (t.state === "queued") this.#settle(t, "error", undefined, closed);
    for (const t of [...this.#waitingDeps]) this.#settle(t, "error", undefined, closed);
    const inflight = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const j of inflight) for (const t of j.tasks) if (t.worker === j.id) this.#settle(t, "error", undefined, closed);
    if (inflight.length > 0 && this.#queue !== undefined && this.#downSince === undefined) {
      // Jobs nobody will collect: drop the ones not yet started.
      await Promise.all(inflight.map((j) => this.#queue.remove(j.id).catch(() => 0)));
    }
    await this.#dashboard?.close();
    this.#dashboard = undefined;
    await Promise.all([
      this.#events?.close().catch(() => undefined),
      this.#queue?.close().catch(() => undefined),
    ]);
    if (this.#redis !== undefined) {
      if (this.#downSince === undefined) await this.#redis.quit().catch(() => this.#redis.disconnect());
      else this.#redis.disconnect();
    }
  }
}

/** A Future's value goes with the job (scattered data included). */
function wireArg(x: unknown): unknown {
  if (x instanceof Future) return x[TASK].value;
  if (Array.isArray(x) && x.some((y) => y instanceof Future)) return x.map((y) => (y instanceof Future ? y[TASK].value : y));
  return x;
}

function pureHash(def: FnDef | null, fnId: number, args: unknown[]): string {
  const h = createHash("sha1");
  h.update(def === null ? String(fnId) : def.kind === "module" ? `${def.module}#${def.export}` : def.source);
  try {
    h.update(serialize(args.map((a) => (a instanceof Future ? { future: a.key } : a))));
  } catch (err) {
    throw new MsPASSError(`submit: pure task arguments cannot be serialized: ${(err as Error).message}`, "Invalid");
  }
  return h.digest("hex").slice(0, 16);
}
