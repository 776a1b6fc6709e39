/**
 * RedisScheduler: the LocalScheduler's futures API (submit / map / gather /
 * scatter / asCompleted / wait / cancel, bags, plugins, dashboard) over
 * BullMQ on Redis, run by `mspass worker` processes on any number of hosts.
 *
 * The rooms, as local/ is for the LocalScheduler:
 * - connection.ts — the Redis and BullMQ connections and their health;
 * - dispatcher.ts — tasks cut into jobs, results and failures settled;
 * - workers.ts — the worker processes, from their heartbeats;
 * - plugins.ts — the plugin set published to the workers;
 * - state.ts — the job stream and the dashboard's snapshot.
 * This file wires them and keeps the policy that spans them:
 * - Task ids are this client's and travel with the tasks: a job re-run after
 *   its worker process died (BullMQ stalled-job recovery) runs the same task
 *   ids, which the idempotent writeDistributedData keys on.
 * - If Redis goes away, BullMQ reconnects. When it is back, this client
 *   re-publishes its plugins and re-adds every job still in flight under the
 *   same job id (a server restarted without persistence lost them; a job
 *   that still exists is not added twice). If it stays away longer than
 *   `redisTimeoutMs`, every pending task fails with ONE error naming the
 *   server (credentials masked).
 * - Tasks in flight with no worker process alive for `noWorkerTimeoutMs`
 *   fail, saying what to start, and their jobs leave Redis.
 * - Scattered data is kept here and sent with the jobs that use it (no
 *   worker-side store that a restarting worker could lose).
 */
import { serialize } from "node:v8";
import { MsPASSError, maskCredentials } from "../../errors.js";
import { checkArguments } from "../arg-guards.js";
import { Dashboard } from "../dashboard.js";
import { CancelledError, Future, TASK, type Task } from "../future.js";
import { FuturesFront, type SchedulerState } from "../front.js";
import { nonNegativeInt } from "../../option-checks.js";
import { registerScheduler, unregisterScheduler, type Scheduler } from "../scheduler.js";
import { pack, packContext } from "../serialize.js";
import type { PluginSpec, RegisterPluginOptions } from "../worker-context.js";
import { parseRedisAddress, type RedisAddress } from "./address.js";
import { RedisConnection } from "./connection.js";
import { JobDispatcher, MAX_JOB_TASKS } from "./dispatcher.js";
import { PluginPublisher } from "./plugins.js";
import { JobStream, snapshot } from "./state.js";
import { keys } from "./wire.js";
import { WorkerRoster, type RemoteWorkerInfo } from "./workers.js";

export type { RemoteWorkerInfo } from "./workers.js";

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

function positiveMs(v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new MsPASSError(`${what} must be a positive number of milliseconds, got ${String(v)}`, "Invalid");
  }
  return v;
}

export class RedisScheduler extends FuturesFront implements Scheduler {
  /** The Redis server, credentials masked. */
  readonly address: string;
  readonly queueName: string;
  readonly #startedAt = Date.now();
  readonly #redisTimeoutMs: number;
  readonly #noWorkerTimeoutMs: number;
  /** Since when tasks have been in flight with no worker process alive (Date.now()). */
  #noWorkerSince: number | undefined;
  readonly #conn: RedisConnection;
  readonly #roster: WorkerRoster;
  readonly #plugins: PluginPublisher;
  readonly #stream = new JobStream();
  readonly #jobs: JobDispatcher;
  #dashboard: Dashboard | undefined;
  #workersTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  private constructor(addr: RedisAddress, options: RedisSchedulerOptions) {
    super({ defaultBatchCap: MAX_JOB_TASKS, keepTransfers: false });
    this.address = addr.display;
    this.queueName = options.queue ?? "mspass";
    if (!/^[A-Za-z0-9_.-]+$/.test(this.queueName)) {
      throw new MsPASSError(
        `queue must be letters, digits, '_', '.' or '-', got ${JSON.stringify(this.queueName)}`,
        "Invalid",
      );
    }
    const k = keys(this.queueName);
    this.#redisTimeoutMs = positiveMs(options.redisTimeoutMs, "redisTimeoutMs", 30_000);
    const pluginTimeoutMs = positiveMs(options.pluginTimeoutMs, "pluginTimeoutMs", 60_000);
    this.#noWorkerTimeoutMs = positiveMs(options.noWorkerTimeoutMs, "noWorkerTimeoutMs", 60_000);
    const closing = () => this.#closing !== undefined;
    this.#conn = new RedisConnection(addr, this.queueName, {
      closing,
      down: (err) => this.emit("redis-down", { address: this.address, error: maskCredentials(err.message) }),
      up: () => {
        this.emit("redis-up", { address: this.address });
        void this.#recoverAfterOutage();
      },
      completed: (jobId, value) => this.#jobs.completed(jobId, value),
      failed: (jobId, reason) => this.#jobs.failed(jobId, reason),
      active: (jobId) => this.#jobs.active(jobId),
    });
    const redis = () => this.#conn.redis;
    this.#roster = new WorkerRoster(redis, k, this.address, () => closing() || this.#conn.down);
    this.#plugins = new PluginPublisher(redis, k, this.#roster, pluginTimeoutMs);
    this.#jobs = new JobDispatcher({
      tasks: this.tasks,
      roster: this.#roster,
      stream: this.#stream,
      address: this.address,
      queue: () => this.#conn.queue,
      closing,
      redisFailed: (err) => this.#conn.failed(err),
      emit: (event, payload) => this.emit(event, payload),
    });
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
      await s.#conn.connect();
      await s.#roster.poll();
      s.#workersTimer = setInterval(() => void s.#roster.poll(), WORKERS_POLL_MS);
      s.#workersTimer.unref();
      s.#healthTimer = setInterval(() => {
        s.#checkHealth();
        s.#checkWorkers();
      }, HEALTH_MS);
      s.#healthTimer.unref();
      if (options.dashboard !== false && options.dashboardPort !== false) {
        const port =
          options.dashboardPort === undefined ? 8787 : nonNegativeInt(options.dashboardPort, "dashboardPort");
        s.#dashboard = await Dashboard.start(s, port);
      }
    } catch (err) {
      await s.close().catch(() => undefined);
      throw err;
    }
    registerScheduler(s);
    return s;
  }

  /** `http://127.0.0.1:PORT/status`, or undefined when the dashboard is off. */
  get dashboardLink(): string | undefined {
    return this.#dashboard?.link;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---------------------------------------------------------------- Redis health

  /** Redis is back: it may have restarted empty. Put back what this client relies on. */
  async #recoverAfterOutage(): Promise<void> {
    try {
      if (this.#plugins.size > 0) await this.#plugins.publish();
      await this.#jobs.readd();
    } catch (err) {
      this.#conn.failed(err as Error);
    }
  }

  #checkHealth(): void {
    if (!this.#conn.down || this.#closing !== undefined) return;
    const down = this.#conn.downFor();
    if (down < this.#redisTimeoutMs) return;
    if (this.#jobs.inFlight === 0 && this.tasks.counts.queued === 0) return;
    const reason = this.#conn.downReason();
    const why = reason === "" ? "" : `: ${reason}`;
    this.#jobs.failAll(
      new MsPASSError(
        `the Redis server at ${this.address} did not answer for ${(down / 1000).toFixed(1)} s (redisTimeoutMs ${this.#redisTimeoutMs})${why}`,
        "Fatal",
      ),
    );
  }

  /**
   * Tasks in flight and no worker process alive for noWorkerTimeoutMs: a
   * job nobody will run must not wait forever without a word. They fail with
   * what to do, and their jobs leave Redis so no later worker runs them.
   */
  #checkWorkers(): void {
    if (this.#closing !== undefined || this.#conn.down) return;
    if (this.#jobs.inFlight === 0 || this.#roster.size > 0) {
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
    for (const id of this.#jobs.failAll(err)) void this.#conn.queue.remove(id).catch(() => undefined);
    this.emit("no-worker", { address: this.address, waitedMs: waited });
  }

  // ---------------------------------------------------------------- workers

  /** The worker processes of every host, as last seen in Redis (refreshed every second). */
  workers(): RemoteWorkerInfo[] {
    return this.#roster.list();
  }

  /** Heartbeats carry memory; nothing to ask for. */
  pollMemory(): void {}

  /** Resolve once at least `n` worker processes are alive (heartbeats in Redis). */
  waitForWorkers(n = 1, timeoutMs = 60_000): Promise<RemoteWorkerInfo[]> {
    return this.#roster.waitFor(n, timeoutMs);
  }

  // ---------------------------------------------------------------- the front's hooks

  protected enqueue(t: Task): void {
    this.#jobs.enqueue(t);
  }

  protected cancelTask(t: Task): void {
    this.tasks.settle(t, "cancelled", undefined, new CancelledError(t.key));
  }

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

  /**
   * Register a worker plugin on every worker process (and every thread of
   * each), now and on processes that join later or restart. Resolves once
   * every live worker process has set it up; rejects with the first setup
   * error (the plugin is then removed everywhere), as LocalScheduler does.
   */
  async registerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    this.checkOpen("registerPlugin");
    await this.#plugins.register(spec, options);
  }

  registerWorkerPlugin(spec: PluginSpec, options: RegisterPluginOptions = {}): Promise<void> {
    return this.registerPlugin(spec, options);
  }

  async unregisterPlugin(name: string): Promise<void> {
    this.checkOpen("unregisterPlugin");
    await this.#plugins.unregister(name);
  }

  plugins(): string[] {
    return this.#plugins.names();
  }

  // ---------------------------------------------------------------- diagnostics

  /** Snapshot for the dashboard: the worker processes of every host, the task groups and the job stream. */
  state(since = 0): SchedulerState {
    return snapshot(this.#startedAt, this.taskSummary(), this.workers(), this.#stream, since);
  }

  // ---------------------------------------------------------------- shutdown

  /** Pending futures reject; connections close; the worker processes keep running for the next client. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    unregisterScheduler(this);
    clearInterval(this.#workersTimer);
    clearInterval(this.#healthTimer);
    const closed = new MsPASSError("the scheduler was closed", "Fatal");
    this.tasks.failWaiting(closed);
    const inflight = this.#jobs.failAll(closed);
    if (inflight.length > 0 && this.#conn.queue !== undefined && !this.#conn.down) {
      // Jobs nobody will collect: drop the ones not yet started.
      await Promise.all(inflight.map((id) => this.#conn.queue.remove(id).catch(() => 0)));
    }
    await this.#dashboard?.close();
    this.#dashboard = undefined;
    await this.#conn.close();
  }
}
