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
import { randomBytes } from "node:crypto";
import { serialize } from "node:v8";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { MsPASSError, maskCredentials } from "../../errors.js";
import { checkArguments } from "../arg-guards.js";
import { Dashboard } from "../dashboard.js";
import { deserializeError } from "../error-transport.js";
import { CancelledError, Future, TASK, type Task } from "../future.js";
import { FuturesFront } from "../front.js";
import { nonNegativeInt, positiveInt } from "../int-options.js";
import type { SchedulerState, WorkerInfo } from "../local.js";
import { WorkerDiedError } from "../local.js";
import { PriorityQueue } from "../queue.js";
import { registerBagScheduler, unregisterBagScheduler } from "../runner-registry.js";
import { pack, packAll, packContext, unpack } from "../serialize.js";
import { wireArg } from "../task-args.js";
import { PluginTable } from "../plugin-table.js";
import type { FnDef } from "../task-ref.js";
import type { PluginSpec, RegisterPluginOptions } from "../worker-context.js";
import { parseRedisAddress, type RedisAddress } from "./address.js";
import {
  bullQueueName,
  decode,
  encode,
  keys,
  type JobPayload,
  type JobResult,
  type WireTask,
  type WorkerHeartbeat,
} from "./wire.js";

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
  /**
   * How long tasks may wait with no worker process alive before they fail,
   * saying so, and are withdrawn from Redis (default 60 000 ms).
   */
  noWorkerTimeoutMs?: number;
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

function positiveMs(v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new MsPASSError(`${what} must be a positive number of milliseconds, got ${String(v)}`, "Invalid");
  }
  return v;
}

export class RedisScheduler extends FuturesFront {
  /** The Redis server, credentials masked. */
  readonly address: string;
  readonly queueName: string;
  readonly #addr: RedisAddress;
  readonly #keys: ReturnType<typeof keys>;
  readonly #clientId = randomBytes(6).toString("hex");
  readonly #startedAt = Date.now();
  readonly #redisTimeoutMs: number;
  readonly #pluginTimeoutMs: number;
  readonly #noWorkerTimeoutMs: number;
  /** Since when tasks have been in flight with no worker process alive (Date.now()). */
  #noWorkerSince: number | undefined;
  #queue!: Queue;
  #events!: QueueEvents;
  #redis!: Redis;
  #dashboard: Dashboard | undefined;

  #nextJob = 1;
  #pending = new PriorityQueue<Task>();
  #dispatchQueued = false;
  #jobs = new Map<string, JobRec>();
  readonly #plugins = new PluginTable();
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

  private constructor(addr: RedisAddress, options: RedisSchedulerOptions) {
    super({ defaultBatchCap: MAX_JOB_TASKS, keepTransfers: false });
    this.#addr = addr;
    this.address = addr.display;
    this.queueName = options.queue ?? "mspass";
    if (!/^[A-Za-z0-9_.-]+$/.test(this.queueName)) {
      throw new MsPASSError(
        `queue must be letters, digits, '_', '.' or '-', got ${JSON.stringify(this.queueName)}`,
        "Invalid",
      );
    }
    this.#keys = keys(this.queueName);
    this.#redisTimeoutMs = positiveMs(options.redisTimeoutMs, "redisTimeoutMs", 30_000);
    this.#pluginTimeoutMs = positiveMs(options.pluginTimeoutMs, "pluginTimeoutMs", 60_000);
    this.#noWorkerTimeoutMs = positiveMs(options.noWorkerTimeoutMs, "noWorkerTimeoutMs", 60_000);
  }

  /**
   * Connect to Redis and resolve once the result stream is being read.
   * Workers (`mspass worker --scheduler <address>`) may start before or
   * after; tasks wait in Redis until one takes them.
   */
  static async start(options: RedisSchedulerOptions): Promise<RedisScheduler> {
    if (typeof options !== "object" || options === null)
      throw new MsPASSError("RedisScheduler.start: options must be an object", "Invalid");
    const addr = parseRedisAddress(options.address, "schedulerHost");
    const s = new RedisScheduler(addr, options);
    try {
      await s.#connect();
      if (options.dashboard !== false && options.dashboardPort !== false) {
        const port =
          options.dashboardPort === undefined ? 8787 : nonNegativeInt(options.dashboardPort, "dashboardPort");
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
      // A refused AUTH ("WRONGPASS ...") arrives as an error event; connect() itself then only says "Connection is closed".
      const why = this.#downError ?? first;
      throw new MsPASSError(
        `cannot reach the Redis server at ${this.address}: ${maskCredentials(why.message)}`,
        "Fatal",
        { cause: why },
      );
    }
    const name = bullQueueName(this.queueName);
    this.#queue = new Queue(name, { connection });
    this.#queue.on("error", (err: Error) => this.#onRedisError(err));
    this.#events = new QueueEvents(name, { connection });
    this.#events.on("error", (err: Error) => this.#onRedisError(err));
    this.#events.on("completed", ({ jobId, returnvalue }) =>
      this.#onJobCompleted(jobId, returnvalue as unknown),
    );
    this.#events.on("failed", ({ jobId, failedReason }) => this.#onJobFailed(jobId, failedReason));
    this.#events.on("active", ({ jobId }) => this.#onJobActive(jobId));
    await Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady()]);
    await this.#pollWorkers();
    this.#workersTimer = setInterval(() => void this.#pollWorkers(), WORKERS_POLL_MS);
    this.#workersTimer.unref();
    this.#healthTimer = setInterval(() => {
      this.#checkHealth();
      this.#checkWorkers();
    }, HEALTH_MS);
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

  /**
   * Tasks in flight and no worker process alive for noWorkerTimeoutMs: a
   * job nobody will run must not wait forever without a word. They fail with
   * what to do, and their jobs leave Redis so no later worker runs them.
   */
  #checkWorkers(): void {
    if (this.#closing !== undefined || this.#downSince !== undefined) return;
    if (this.#jobs.size === 0 || this.#remote.length > 0) {
      this.#noWorkerSince = undefined;
      return;
    }
    this.#noWorkerSince ??= Date.now();
    const waited = Date.now() - this.#noWorkerSince;
    if (waited < this.#noWorkerTimeoutMs) return;
    this.#noWorkerSince = undefined;
    const err = new MsPASSError(
      `no mspass worker process served queue "${this.queueName}" at ${this.address} for ${(waited / 1000).toFixed(1)} s ` +
        `(noWorkerTimeoutMs ${this.#noWorkerTimeoutMs}); start one with 'npx mspass worker --scheduler ${this.address}' ` +
        "(the password from MSPASS_SCHEDULER_ADDRESS or --password-file), or 'mspass up' with scheduler: redis",
      "Fatal",
    );
    for (const j of [...this.#jobs.values()]) {
      this.#jobs.delete(j.id);
      void this.#queue.remove(j.id).catch(() => undefined);
      for (const t of j.tasks)
        if (t.worker === j.id && t.state === "processing") this.tasks.settle(t, "error", undefined, err);
    }
    for (const t of this.#pending.drain())
      if (t.state === "queued") this.tasks.settle(t, "error", undefined, err);
    this.emit("no-worker", { address: this.address, waitedMs: waited });
  }

  #checkHealth(): void {
    if (this.#downSince === undefined || this.#closing !== undefined) return;
    const down = Date.now() - this.#downSince;
    if (down < this.#redisTimeoutMs) return;
    if (this.#jobs.size === 0 && this.tasks.counts.queued === 0) return;
    const why = this.#downError ? `: ${maskCredentials(this.#downError.message)}` : "";
    const err = new MsPASSError(
      `the Redis server at ${this.address} did not answer for ${(down / 1000).toFixed(1)} s (redisTimeoutMs ${this.#redisTimeoutMs})${why}`,
      "Fatal",
    );
    for (const j of [...this.#jobs.values()]) {
      this.#jobs.delete(j.id);
      for (const t of j.tasks) if (t.worker === j.id) this.tasks.settle(t, "error", undefined, err);
    }
    for (const t of this.#pending.drain())
      if (t.state === "queued") this.tasks.settle(t, "error", undefined, err);
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
        throw new MsPASSError(
          `waitForWorkers: ${this.#remote.length} of ${n} worker process(es) joined ${this.address} within ${timeoutMs} ms`,
          "Fatal",
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // ---------------------------------------------------------------- tasks

  protected enqueue(t: Task): void {
    this.tasks.move(t, "queued");
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
    if (this.tasks.counts.queued === 0 || this.#closing !== undefined) return;
    const size = Math.max(
      1,
      Math.min(MAX_JOB_TASKS, Math.ceil(this.tasks.counts.queued / (2 * this.#threads()))),
    );
    const jobs: JobRec[] = [];
    while (this.tasks.counts.queued > 0) {
      const job = this.#cutJob(size);
      if (job !== null) jobs.push(job);
    }
    if (jobs.length === 0) return;
    void this.#queue.addBulk(jobs.map((j) => this.#bullJob(j))).catch((err: Error) => {
      // Redis away: the jobs stay in flight here; they are re-added when it is back, or fail at redisTimeoutMs.
      this.#onRedisError(err);
    });
  }

  #bullJob(j: JobRec): {
    name: string;
    data: { p: string };
    opts: { jobId: string; removeOnComplete: boolean; removeOnFail: boolean; attempts: number };
  } {
    return {
      name: "tasks",
      data: { p: j.data },
      opts: { jobId: j.id, removeOnComplete: true, removeOnFail: true, attempts: 1 },
    };
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
    const wire = (t: Task): WireTask => {
      const args = t.deps === null ? t.args.slice() : t.args.map((a) => wireArg(a));
      packAll(args, packContext("bytes")); // data objects travel as codec frames
      return { id: t.id, fnId: t.fnId, args };
    };
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
          this.tasks.settle(
            t,
            "error",
            undefined,
            new MsPASSError(
              `task ${t.key}: its arguments cannot be sent to a worker: ${(e as Error).message}`,
              "Invalid",
            ),
          );
        }
      }
      if (ok.length === 0) return null;
      data = encode({ defs: defsOf(ok), tasks: ok.map(wire) } satisfies JobPayload);
    }
    const id = `${this.#clientId}-${this.#nextJob++}`;
    for (const t of ok) {
      this.tasks.move(t, "processing");
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
          this.tasks.move(t, "waiting");
          this.enqueue(t);
        } else this.tasks.settle(t, "error", undefined, deserializeError(err));
      } else {
        let value: unknown;
        try {
          value = unpack(r.vals[i]);
        } catch (e) {
          this.tasks.settle(t, "error", undefined, e as Error);
          continue;
        }
        this.tasks.settle(t, "finished", value);
      }
    }
    const name = j.tasks[0]?.group.name ?? "?";
    this.#stream.push({
      worker: this.#workerNumber(r.worker),
      name,
      start: r.start,
      end: r.end,
      n: j.tasks.length,
      erred,
    });
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
        this.tasks.move(t, "waiting");
        this.enqueue(t);
      } else {
        this.tasks.settle(
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

  protected cancelTask(t: Task): void {
    this.tasks.settle(t, "cancelled", undefined, new CancelledError(t.key));
  }

  // ---------------------------------------------------------------- scattered data

  /**
   * The value stays in this process and travels with each job that uses it;
   * `broadcast` changes nothing here (every worker process receives it with
   * its jobs).
   */
  protected scatterOne<T>(value: T, _broadcast: boolean): Future<T> {
    checkArguments([value], "scatter");
    try {
      serialize(pack(value, packContext("bytes")));
    } catch (err) {
      throw new MsPASSError(
        `scatter: the data cannot be sent to workers: ${(err as Error).message}`,
        "Invalid",
      );
    }
    const f = this.makeTask(null, 0, [], { hold: true }, this.groupOf("scatter")) as Future<T>;
    const t = f[TASK];
    t.cancel = null;
    this.tasks.settle(t, "finished", value);
    return f;
  }

  /** Forget scattered data (nothing is held on the workers). */
  release(_futures: Future<unknown> | Iterable<Future<unknown>>): void {}

  // ---------------------------------------------------------------- plugins

  /** Next plugin-set version: monotonic across Redis restarts (workers compare for equality, acks for >=). */
  #nextVersion(): number {
    this.#lastPluginVersion = Math.max(Date.now(), this.#lastPluginVersion + 1);
    return this.#lastPluginVersion;
  }

  async #publishPlugins(): Promise<number> {
    const v = this.#nextVersion();
    const m = this.#redis.multi().del(this.#keys.plugins);
    for (const p of this.#plugins.wires()) m.hset(this.#keys.plugins, p.name, encode(p));
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
    this.checkOpen("registerPlugin");
    const wire = this.#plugins.add(spec, options, serialize);
    if (wire === undefined) return;
    const v = await this.#publishPlugins();
    const failure = await this.#awaitPluginAcks(v);
    if (failure === null) return;
    this.#plugins.dropIfCurrent(wire);
    await this.#publishPlugins();
    throw failure;
  }

  registerWorkerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    return this.registerPlugin(spec, options);
  }

  async unregisterPlugin(name: string): Promise<void> {
    this.checkOpen("unregisterPlugin");
    this.#plugins.remove(name);
    const v = await this.#publishPlugins();
    const failure = await this.#awaitPluginAcks(v);
    if (failure) throw failure;
  }

  plugins(): string[] {
    return this.#plugins.names();
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
    const stream = this.#stream.filter((s) => s.end >= since).slice(-STREAM_KEEP);
    const summary = this.taskSummary();
    // A task is "processing" here from the moment its job is in Redis; what a
    // worker runs is what the worker rows report: count the rest as waiting.
    const running = Math.min(
      summary.counts.processing,
      this.workers().reduce((n, w) => n + w.processing, 0),
    );
    summary.counts.waiting += summary.counts.processing - running;
    summary.counts.processing = running;
    return {
      time: Date.now(),
      started: this.#startedAt,
      ...summary,
      workers: this.workers(),
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
    for (const t of this.#pending.drain())
      if (t.state === "queued") this.tasks.settle(t, "error", undefined, closed);
    this.tasks.failWaiting(closed);
    const inflight = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const j of inflight)
      for (const t of j.tasks) if (t.worker === j.id) this.tasks.settle(t, "error", undefined, closed);
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
