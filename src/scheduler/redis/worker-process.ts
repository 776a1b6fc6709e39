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
 * - Without Redis for `deathTimeoutMs` (dask's `--death-timeout`), at start
 *   or later, the process gives up: it abandons its jobs (their locks expire,
 *   so BullMQ re-delivers them) and `dead` resolves with ONE error naming the
 *   server. A host cut off without a reset is noticed the same way: the clock
 *   runs from the last heartbeat Redis acknowledged, not from an error.
 * - close() (SIGTERM) never waits long for Redis: the jobs in hand get
 *   `closeGraceMs` to finish; then they are handed back to the queue
 *   (moveToWait, so another process takes them at once) or, with Redis
 *   away, abandoned to BullMQ's stalled-job recovery.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { getHeapStatistics } from "node:v8";
import type { Worker as BullWorker, Job } from "bullmq";
import type { Redis } from "ioredis";
import { MsPASSError, maskCredentials } from "../../errors.js";
import { serializeError, type ErrorInfo } from "../error-transport.js";
import { LocalScheduler } from "../local.js";
import type { PluginWire } from "../protocol.js";
import { task } from "../task-ref.js";
import { parseRedisAddress, type RedisAddress } from "./address.js";
import { redisLibraries } from "./libraries.js";
import type { runJobChunk } from "./run-chunk.js";
import { bullQueueName, decode, keys, type JobPayload, type WorkerHeartbeat } from "./wire.js";

const RUN_CHUNK = task<typeof runJobChunk>(new URL("./run-chunk.js", import.meta.url), "runJobChunk");

/** How long a closing process lets its threads finish a task before terminating them. */
const THREAD_STOP_MS = 1000;
/** Bound on each Redis call made while closing (a cut-off Redis never answers). */
const CLOSING_CALL_MS = 500;

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
   * Give up after this long without Redis, at start or later (dask's `--death-timeout`; default
   * 60 000 ms): the process closes and `dead` resolves with the error.
   */
  deathTimeoutMs?: number;
  /** How long close() lets the jobs in hand finish before handing them back (default 2000 ms). */
  closeGraceMs?: number;
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
  readonly #deathTimeoutMs: number;
  readonly #closeGraceMs: number;
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
  /** When Redis last acknowledged this process (connected, or a heartbeat written). */
  #lastContact = Date.now();
  #lastError: string | undefined;
  #ticking = false;
  /** Set by close() when the jobs in hand are to be handed back rather than finished. */
  #abandoning = false;
  #closing: Promise<void> | undefined;
  #resolveDead!: (err: MsPASSError) => void;
  /** Resolves (never rejects) with the error once this process gave up on Redis and closed itself. */
  readonly dead: Promise<MsPASSError> = new Promise((r) => (this.#resolveDead = r));

  private constructor(addr: RedisAddress, options: RedisWorkerOptions) {
    this.address = addr.display;
    this.#queue = options.queue ?? "mspass";
    this.#keys = keys(this.#queue);
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#deathTimeoutMs = options.deathTimeoutMs ?? 60_000;
    this.#closeGraceMs = options.closeGraceMs ?? 2000;
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
    if (!Number.isFinite(stalled) || stalled <= 0)
      throw new MsPASSError(`--stalled-interval must be a positive number of ms, got ${stalled}`, "Invalid");
    const death = options.deathTimeoutMs;
    if (death !== undefined && (!Number.isFinite(death) || death <= 0))
      throw new MsPASSError(`--death-timeout must be a positive number, got ${String(death)}`, "Invalid");
    const grace = options.closeGraceMs;
    if (grace !== undefined && (!Number.isFinite(grace) || grace < 0))
      throw new MsPASSError(
        `closeGraceMs must be a non-negative number of ms, got ${String(grace)}`,
        "Invalid",
      );
    const { bullmq, ioredis } = redisLibraries();
    const w = new RedisWorkerProcess(addr, options);
    w.#pool = await LocalScheduler.start({
      nworkers: nthreads,
      dashboard: false,
      stopTimeoutMs: THREAD_STOP_MS,
    });
    (w as { nthreads: number }).nthreads = w.#pool.nworkers;
    try {
      const connection = { ...addr.connection, maxRetriesPerRequest: null };
      w.#redis = new ioredis.Redis({ ...connection, lazyConnect: true });
      w.#redis.on("error", (err: Error) => w.#onError(err, true));
      w.#redis.on("ready", () => w.#onReady());
      await w.#firstContact();
      await w.#syncPlugins();
      await w.#heartbeat();
      w.#timer = setInterval(() => void w.#tick(), w.#heartbeatMs);
      w.#bull = new bullmq.Worker(
        bullQueueName(w.#queue),
        (job: Job, token?: string) => w.#process(job, token),
        {
          connection,
          concurrency: options.concurrency ?? w.nthreads,
          lockDuration: stalled,
          stalledInterval: stalled,
          maxStalledCount: options.maxStalledCount ?? 1,
        },
      );
      w.#bull.on("error", (err: Error) => w.#onError(err, false));
      await w.#bull.waitUntilReady();
    } catch (err) {
      await w.close();
      throw err;
    }
    w.#log(`mspass worker ${w.id}: ${w.nthreads} thread(s), queue "${w.#queue}" on ${w.address}`);
    return w;
  }

  /**
   * Wait for Redis up to the death timeout (ioredis retries a refused connection by itself), so
   * workers may start before the server, as dask's do.
   */
  async #firstContact(): Promise<void> {
    const redis = this.#redis;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        redis.once("ready", resolve);
        timer = setTimeout(
          () => reject(this.#deathError(Date.now() - this.#lastContact)),
          this.#deathTimeoutMs,
        );
        redis.connect().catch(() => undefined); // a refusal: ioredis goes on reconnecting
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** `own`: from this process's own connection, whose errors are about reaching the server (BullMQ's may be "Connection is closed"). */
  #onError(err: Error, own: boolean): void {
    const message = maskCredentials(err.message);
    if (own) this.#lastError = message;
    if (this.#closing !== undefined || this.#down) return;
    this.#down = true;
    const what = this.#timer === undefined ? "cannot reach" : "lost";
    this.#log(
      `${what} the Redis server at ${this.address}: ${message} (reconnecting; giving up after ${this.#deathTimeoutMs / 1000} s without it)`,
    );
  }

  #onReady(): void {
    this.#lastContact = Date.now();
    this.#lastError = undefined;
    if (!this.#down) return;
    this.#down = false;
    this.#log(`the Redis server at ${this.address} is back`);
  }

  #deathError(downMs: number): MsPASSError {
    const why = this.#lastError === undefined ? ": no reply to heartbeats" : `: ${this.#lastError}`;
    return new MsPASSError(
      `the Redis server at ${this.address} did not answer for ${(downMs / 1000).toFixed(1)} s (death timeout ${this.#deathTimeoutMs / 1000} s)${why}; worker ${this.id} gives up`,
      "Fatal",
    );
  }

  async #tick(): Promise<void> {
    const silent = Date.now() - this.#lastContact;
    if (silent > this.#deathTimeoutMs && this.#closing === undefined) {
      const err = this.#deathError(silent);
      void this.close().finally(() => this.#resolveDead(err));
      return;
    }
    // One heartbeat at a time: against a cut-off server they would pile up unanswered.
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.#syncPlugins();
      await this.#heartbeat();
    } catch {
      /* Redis away: #onError logged it once */
    } finally {
      this.#ticking = false;
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
    this.#lastContact = Date.now();
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
    this.#lastContact = Date.now(); // a plugin set up below may take a while: that is not Redis's silence
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
        await this.#pool.registerPlugin(
          { module: p.module, export: p.export, options: p.options },
          { name: p.name },
        );
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

  async #process(job: Job, token?: string): Promise<string> {
    this.#processing++;
    try {
      await this.#syncPlugins();
      const payload = decode<JobPayload>((job.data as { p: string }).p);
      const encoded = await this.#pool.submit(RUN_CHUNK, payload, this.id);
      this.#done += payload.tasks.length;
      return encoded;
    } catch (err) {
      if (!this.#abandoning) throw err;
      await this.#handBack(job, token);
      throw new (redisLibraries().bullmq.WaitingError)(); // BullMQ: neither completed nor failed
    } finally {
      this.#processing--;
    }
  }

  /**
   * A job this closing process will not finish: back to waiting, so another process takes it
   * now, with its task ids. If Redis does not answer, its lock expires and BullMQ's stalled
   * check re-delivers it after the stall interval.
   */
  async #handBack(job: Job, token: string | undefined): Promise<void> {
    const moved =
      token !== undefined && this.#redis.status === "ready"
        ? job.moveToWait(token).then(
            () => true,
            () => false,
          )
        : Promise.resolve(false);
    const back = await withTimeout(moved, CLOSING_CALL_MS, false);
    this.#log(
      back
        ? `handed job ${job.id} back to the queue`
        : `abandoned job ${job.id}: BullMQ re-delivers it after the stall interval`,
    );
  }

  /**
   * Stop taking jobs; let the jobs in hand finish for `closeGraceMs` (not when Redis is away:
   * their results could not be reported), then hand them back; tear plugins down on every
   * thread; leave the dashboard. Bounded whatever Redis's state: a few seconds at most.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    const reachable =
      this.#redis?.status === "ready" && Date.now() - this.#lastContact <= 3 * this.#heartbeatMs;
    const bull = this.#bull;
    let bullClosed: Promise<boolean> = Promise.resolve(true);
    if (bull !== undefined) {
      // force (Redis away): BullMQ drops its connections without waiting for the jobs or a QUIT.
      const closing = bull.close(!reachable).then(
        () => true,
        () => true,
      );
      bullClosed = closing;
      if (!reachable || !(await within(closing, this.#closeGraceMs))) this.#abandoning = true;
    }
    await this.#pool?.close(); // a job still running is abandoned here: its #process hands it back
    await within(bullClosed, 2 * CLOSING_CALL_MS);
    const redis = this.#redis;
    if (redis !== undefined) {
      const left =
        reachable &&
        (await within(
          redis.multi().del(this.#keys.worker(this.id)).srem(this.#keys.workers, this.id).exec(),
          CLOSING_CALL_MS,
        ));
      if (!left || !(await within(redis.quit(), CLOSING_CALL_MS))) redis.disconnect();
    }
  }
}

/** `p`'s value, or `fallback` if it takes longer than `ms` (`p` is not cancelled). */
async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((r) => (timer = setTimeout(() => r(fallback), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `p` settled (resolved or rejected) within `ms`. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    p.then(
      () => true,
      () => true,
    ),
    ms,
    false,
  );
}
