/**
 * The worker processes a RedisScheduler knows of, from their heartbeats:
 * each `mspass worker` keeps a record with a TTL in Redis and its id in a
 * set; a record that expired is a process gone. Polled every second for the
 * dashboard and the no-worker check, and on demand by `waitForWorkers` and
 * the plugin acknowledgements.
 */
import type { Redis } from "ioredis";
import { MsPASSError } from "../../errors.js";
import type { WorkerInfo } from "../front.js";
import { positiveInt } from "../../option-checks.js";
import type { keys as keysOf, WorkerHeartbeat } from "./wire.js";

/** A worker process as the dashboard shows it (one row per process, with its host). */
export interface RemoteWorkerInfo extends WorkerInfo {
  host: string;
  address: string;
  pid: number;
  nthreads: number;
}

export class WorkerRoster {
  #remote: RemoteWorkerInfo[] = [];
  /** Small stable numbers for worker ids (dashboard rows and the task stream). */
  readonly #numbers = new Map<string, number>();
  readonly #redis: () => Redis;
  readonly #keys: ReturnType<typeof keysOf>;
  readonly #address: string;
  /** True while polling is pointless (closing, or Redis away: the health check reports that). */
  readonly #idle: () => boolean;

  constructor(redis: () => Redis, keys: ReturnType<typeof keysOf>, address: string, idle: () => boolean) {
    this.#redis = redis;
    this.#keys = keys;
    this.#address = address;
    this.#idle = idle;
  }

  /** Number of live worker processes, as last polled. */
  get size(): number {
    return this.#remote.length;
  }

  /** Refresh the list from Redis, dropping the ids whose records expired. */
  async poll(): Promise<void> {
    if (this.#idle()) return;
    try {
      const redis = this.#redis();
      const ids = await redis.smembers(this.#keys.workers);
      if (ids.length === 0) {
        this.#remote = [];
        return;
      }
      const recs = await redis.mget(ids.map((id) => this.#keys.worker(id)));
      const gone = ids.filter((_id, i) => recs[i] === null);
      if (gone.length > 0) await redis.srem(this.#keys.workers, ...gone);
      this.#remote = recs
        .filter((r): r is string => r !== null)
        .map((r) => JSON.parse(r) as WorkerHeartbeat)
        .map((h) => this.#infoOf(h));
    } catch {
      /* the health check reports outages */
    }
  }

  #infoOf(h: WorkerHeartbeat): RemoteWorkerInfo {
    return {
      id: this.numberOf(h.id),
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

  /** The stable number of worker id `id`. */
  numberOf(id: string): number {
    let n = this.#numbers.get(id);
    if (n === undefined) this.#numbers.set(id, (n = this.#numbers.size + 1));
    return n;
  }

  /** The live heartbeats, read now. */
  async heartbeats(): Promise<WorkerHeartbeat[]> {
    const redis = this.#redis();
    const ids = await redis.smembers(this.#keys.workers);
    if (ids.length === 0) return [];
    const recs = await redis.mget(ids.map((id) => this.#keys.worker(id)));
    return recs.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerHeartbeat);
  }

  /** The worker processes of every host, as last polled (copies). */
  list(): RemoteWorkerInfo[] {
    return this.#remote.map((w) => ({ ...w }));
  }

  /** Worker threads over all processes (at least 1). */
  threads(): number {
    let n = 0;
    for (const w of this.#remote) n += w.nthreads;
    return Math.max(1, n);
  }

  /** See RedisScheduler.waitForWorkers. */
  async waitFor(n: number, timeoutMs: number): Promise<RemoteWorkerInfo[]> {
    positiveInt(n, "waitForWorkers: n");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll();
      if (this.#remote.length >= n) return this.list();
      if (Date.now() > deadline) {
        throw new MsPASSError(
          `waitForWorkers: ${this.#remote.length} of ${n} worker process(es) joined ${this.#address} within ${timeoutMs} ms`,
          "Fatal",
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
