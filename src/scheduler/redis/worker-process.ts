/**
 * One `mspass worker` process: takes jobs from BullMQ and runs their tasks
 * on its own local worker-thread pool (the LocalScheduler's), so a host runs
 * N threads and ONE Rust connection pool per process, as on a single machine.
 *
 * - Plugins: the client keeps its plugin set in a Redis hash with a version
 *   key. This process applies it before it takes its first job, before each
 *   job when the version moved, and on each heartbeat (so an idle process
 *   follows registerPlugin promptly). It applies a plugin by registering it
 *   on its local pool, which sets it up on every thread, including threads
 *   that restart. A process that joins later, or restarts, applies the set
 *   before its first job: dask's WorkerPlugin semantics, per process.
 * - Heartbeats: a key per process with a short expiry (3 heartbeats) that the
 *   client's dashboard lists; a killed process simply stops renewing it.
 * - Faults are BullMQ's: a job whose lock this process stops renewing
 *   (killed, cut off) is moved back to waiting by another worker's stalled
 *   check and run there, under the same task ids.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { getHeapStatistics } from "node:v8";
import { Worker as BullWorker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { MsPASSError, maskCredentials } from "../../errors.js";
import { serializeError, type ErrorInfo } from "../error-transport.js";
import { LocalScheduler } from "../local.js";
import type { PluginWire } from "../protocol.js";
import { task } from "../task-ref.js";
import { parseRedisAddress, type RedisAddress } from "./address.js";
import type { runJobChunk } from "./run-chunk.js";
import { bullQueueName, decode, keys, type JobPayload, type WorkerHeartbeat } from "./wire.js";

const RUN_CHUNK = task<typeof runJobChunk>(new URL("./run-chunk.js", import.meta.url), "runJobChunk");

export interface RedisWorkerOptions {
  /** The Redis server (`host`, `host:port`, `redis://…`). */
  scheduler: string;
  /** Worker threads in this process (default: the machine's cores). */
  nthreads?: number;
  /** Cluster name (default "mspass"); must match the client's. */
  queue?: string;
  /**
   * BullMQ stalled-job recovery: how often this process checks for jobs
   * whose worker stopped renewing their lock, and how long a lock lasts
   * (both this value; default 30 000 ms, BullMQ's default).
   */
  stalledIntervalMs?: number;
  /** Times a job may stall (be picked up again) before it fails (default 1, BullMQ's). */
  maxStalledCount?: number;
  /** Heartbeat period (default 1000 ms). */
  heartbeatMs?: number;
  /**
   * Jobs taken at once (default nthreads: a job taken beyond the free threads would wait behind a
   * slow one here while another process idles; jobs are big enough that prefetch buys little).
   */
  concurrency?: number;
  /** Print one line per event (start, Redis lost/back, plugin errors) to this function. */
  log?: (line: string) => void;
}

export class RedisWorkerProcess {
  readonly id: string;
  readonly address: string;
  readonly nthreads: number;
  readonly #keys: ReturnType<typeof keys>;
  readonly #queue: string;
  readonly #heartbeatMs: number;
  readonly #log: (line: string) => void;
  readonly #started = Date.now();
  #pool!: LocalScheduler;
  #bull!: BullWorker;
  #redis!: Redis;
  #timer: NodeJS.Timeout | undefined;
  #applied = new Map<string, number>();
  #appliedVersion: string | null = null;
  #pluginError: ErrorInfo | null = null;
  #syncing: Promise<void> | undefined;
  #processing = 0;
  #done = 0;
  #erred = 0;
  #down = false;
  #closing: Promise<void> | undefined;

  private constructor(addr: RedisAddress, options: RedisWorkerOptions) {
    this.address = addr.display;
    this.#queue = options.queue ?? "mspass";
    this.#keys = keys(this.#queue);
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#log = options.log ?? (() => undefined);
    this.id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.nthreads = options.nthreads ?? 0;
  }

  static async start(options: RedisWorkerOptions): Promise<RedisWorkerProcess> {
    const addr = parseRedisAddress(options.scheduler, "--scheduler");
    const nthreads = options.nthreads;
    if (nthreads !== undefined && (!Number.isInteger(nthreads) || nthreads < 1)) {
      throw new MsPASSError(`--nthreads must be a positive integer, got ${String(nthreads)}`, "Invalid");
    }
    const stalled = options.stalledIntervalMs ?? 30_000;
    if (!Number.isFinite(stalled) || stalled <= 0) throw new MsPASSError(`--stalled-interval must be a positive number of ms, got ${stalled}`, "Invalid");
    const w = new RedisWorkerProcess(addr, options);
    w.#pool = await LocalScheduler.start({ nworkers: nthreads, dashboard: false });
    (w as { nthreads: number }).nthreads = w.#pool.nworkers;
    try {
      const connection = { ...addr.connection, maxRetriesPerRequest: null };
      w.#redis = new Redis({ ...connection, lazyConnect: true });
      w.#redis.on("error", (err: Error) => w.#onError(err));
      w.#redis.on("ready", () => w.#onReady());
      await w.#redis.connect().catch((err: Error) => {
        throw new MsPASSError(`cannot reach the Redis server at ${w.address}: ${maskCredentials(err.message)}`, "Fatal");
      });
      await w.#syncPlugins();
      await w.#heartbeat();
      w.#timer = setInterval(() => void w.#tick(), w.#heartbeatMs);
      w.#bull = new BullWorker(bullQueueName(w.#queue), (job: Job) => w.#process(job), {
        connection,
        concurrency: options.concurrency ?? w.nthreads,
        lockDuration: stalled,
        stalledInterval: stalled,
        maxStalledCount: options.maxStalledCount ?? 1,
      });
      w.#bull.on("error", (err: Error) => w.#onError(err));
      await w.#bull.waitUntilReady();
    } catch (err) {
      await w.close();
      throw err;
    }
    w.#log(`mspass worker ${w.id}: ${w.nthreads} thread(s), queue "${w.#queue}" on ${w.address}`);
    return w;
  }

  #onError(err: Error): void {
    if (this.#closing !== undefined || this.#down) return;
    this.#down = true;
    this.#log(`lost the Redis server at ${this.address}: ${maskCredentials(err.message)} (reconnecting)`);
  }

  #onReady(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#log(`the Redis server at ${this.address} is back`);
  }

  async #tick(): Promise<void> {
    try {
      await this.#syncPlugins();
      await this.#heartbeat();
    } catch {
      /* Redis away: #onError logged it once */
    }
  }

  async #heartbeat(): Promise<void> {
    const h = getHeapStatistics();
    const hb: WorkerHeartbeat = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      nthreads: this.nthreads,
      started: this.#started,
      time: Date.now(),
      processing: this.#processing,
      done: this.#done,
      erred: this.#erred,
      pluginVersion: this.#appliedVersion,
      pluginError: this.#pluginError,
      memory: { used: h.used_heap_size, limit: h.heap_size_limit },
      address: this.#localAddress(),
    };
    await this.#redis
      .multi()
      .set(this.#keys.worker(this.id), JSON.stringify(hb), "PX", this.#heartbeatMs * 3)
      .sadd(this.#keys.workers, this.id)
      .exec();
  }

  /** This host's address as Redis sees it (which host a process runs on, when hostnames are alike). */
  #localAddress(): string {
    const s = (this.#redis as unknown as { stream?: { localAddress?: string } }).stream;
    return s?.localAddress ?? "?";
  }

  /** Apply the client's plugin set if its version moved (one GET when it did not). */
  #syncPlugins(): Promise<void> {
    this.#syncing ??= this.#doSync().finally(() => (this.#syncing = undefined));
    return this.#syncing;
  }

  async #doSync(): Promise<void> {
    const v = await this.#redis.get(this.#keys.pluginVersion);
    // No version: no client has published yet, or Redis restarted empty and the
    // client has not re-published: keep what is set up.
    if (v === null || v === this.#appliedVersion) return;
    const all = await this.#redis.hgetall(this.#keys.plugins);
    const wanted = Object.values(all)
      .map((e) => decode<PluginWire>(e))
      .sort((a, b) => a.version - b.version);
    const names = new Set(wanted.map((p) => p.name));
    let error: ErrorInfo | null = null;
    for (const name of [...this.#applied.keys()]) {
      if (names.has(name)) continue;
      this.#applied.delete(name);
      await this.#pool.unregisterPlugin(name).catch((err: unknown) => (error ??= serializeError(err)));
    }
    for (const p of wanted) {
      if (this.#applied.get(p.name) === p.version) continue;
      try {
        await this.#pool.registerPlugin({ module: p.module, export: p.export, options: p.options }, { name: p.name });
        this.#applied.set(p.name, p.version);
      } catch (err) {
        this.#applied.delete(p.name);
        error ??= serializeError(err);
        this.#log(`plugin "${p.name}" failed to set up: ${maskCredentials((err as Error).message)}`);
      }
    }
    this.#pluginError = error;
    this.#appliedVersion = v;
    await this.#heartbeat(); // acknowledge at once: registerPlugin is waiting for it
  }

  async #process(job: Job): Promise<string> {
    this.#processing++;
    try {
      await this.#syncPlugins();
      const payload = decode<JobPayload>((job.data as { p: string }).p);
      const encoded = await this.#pool.submit(RUN_CHUNK, payload, this.id);
      this.#done += payload.tasks.length;
      return encoded;
    } finally {
      this.#processing--;
    }
  }

  /** Finish the jobs in hand, tear plugins down on every thread, leave the dashboard. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    // With Redis away, BullMQ's graceful close would wait for it: force after a while.
    const bull = this.#bull;
    if (bull !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((r) => (timer = setTimeout(r, this.#down ? 0 : 10_000)));
      await Promise.race([bull.close(this.#down).catch(() => undefined), late]);
      clearTimeout(timer);
    }
    await this.#pool?.close();
    if (this.#redis !== undefined) {
      if (!this.#down) {
        await this.#redis
          .multi()
          .del(this.#keys.worker(this.id))
          .srem(this.#keys.workers, this.id)
          .exec()
          .catch(() => undefined);
        await this.#redis.quit().catch(() => this.#redis.disconnect());
      } else this.#redis.disconnect();
    }
  }
}
