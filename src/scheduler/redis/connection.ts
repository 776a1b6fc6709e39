/**
 * The RedisScheduler's connections and their health: one ioredis client
 * (worker heartbeats, plugins), the BullMQ Queue jobs are added to and the
 * QueueEvents stream results come back on. BullMQ reconnects by itself;
 * this records since when Redis has been unreachable, and why, and says
 * when it went away and came back.
 */
import type { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { MsPASSError, maskCredentials } from "../../errors.js";
import type { RedisAddress } from "./address.js";
import { redisLibraries } from "./libraries.js";
import { bullQueueName } from "./wire.js";

/** What the scheduler hears from its connections. */
export interface ConnectionEvents {
  /** True once the scheduler is closing: errors then are expected and not reported. */
  closing(): boolean;
  /** Redis became unreachable (the first error of an outage). */
  down(error: Error): void;
  /** Redis is back after an outage. */
  up(): void;
  completed(jobId: string, returnvalue: unknown): void;
  failed(jobId: string, reason: string): void;
  active(jobId: string): void;
}

export class RedisConnection {
  redis!: Redis;
  queue!: Queue;
  #events!: QueueEvents;
  readonly #addr: RedisAddress;
  readonly #queueName: string;
  readonly #on: ConnectionEvents;
  /** Since when Redis has been unreachable (Date.now()), and why. */
  #downSince: number | undefined;
  #downError: Error | undefined;

  constructor(addr: RedisAddress, queueName: string, on: ConnectionEvents) {
    this.#addr = addr;
    this.#queueName = queueName;
    this.#on = on;
  }

  /** True while Redis is unreachable. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /** Milliseconds Redis has been unreachable (0 when it is up). */
  downFor(): number {
    return this.#downSince === undefined ? 0 : Date.now() - this.#downSince;
  }

  /** The last error of the current outage, credentials masked ("" when up). */
  downReason(): string {
    return this.#downError ? maskCredentials(this.#downError.message) : "";
  }

  /** Connect and resolve once the result stream is being read; a clear error when Redis cannot be reached. */
  async connect(): Promise<void> {
    const { bullmq, ioredis } = redisLibraries();
    const connection = { ...this.#addr.connection, maxRetriesPerRequest: null, enableReadyCheck: true };
    this.redis = new ioredis.Redis({ ...connection, lazyConnect: true });
    this.redis.on("error", (err: Error) => this.failed(err));
    this.redis.on("ready", () => this.#ready());
    const first = await this.redis.connect().then(
      () => null,
      (err: Error) => err,
    );
    if (first !== null) {
      // A refused AUTH ("WRONGPASS ...") arrives as an error event; connect() itself then only says "Connection is closed".
      const why = this.#downError ?? first;
      throw new MsPASSError(
        `cannot reach the Redis server at ${this.#addr.display}: ${maskCredentials(why.message)}`,
        "Fatal",
        { cause: why },
      );
    }
    const name = bullQueueName(this.#queueName);
    this.queue = new bullmq.Queue(name, { connection });
    this.queue.on("error", (err: Error) => this.failed(err));
    this.#events = new bullmq.QueueEvents(name, { connection });
    this.#events.on("error", (err: Error) => this.failed(err));
    this.#events.on("completed", ({ jobId, returnvalue }) =>
      this.#on.completed(jobId, returnvalue as unknown),
    );
    this.#events.on("failed", ({ jobId, failedReason }) => this.#on.failed(jobId, failedReason));
    this.#events.on("active", ({ jobId }) => this.#on.active(jobId));
    await Promise.all([this.queue.waitUntilReady(), this.#events.waitUntilReady()]);
  }

  /** A command or connection failed: Redis is (still) unreachable. */
  failed(err: Error): void {
    if (this.#on.closing()) return;
    if (this.#downSince === undefined) {
      this.#downSince = Date.now();
      this.#downError = err;
      this.#on.down(err);
    }
    this.#downError = err;
  }

  #ready(): void {
    if (this.#downSince === undefined || this.#on.closing()) return;
    this.#downSince = undefined;
    this.#downError = undefined;
    this.#on.up();
  }

  /** Close the connections (quit when Redis answers, else drop them). */
  async close(): Promise<void> {
    await Promise.all([
      this.#events?.close().catch(() => undefined),
      this.queue?.close().catch(() => undefined),
    ]);
    if (this.redis !== undefined) {
      if (this.#downSince === undefined) await this.redis.quit().catch(() => this.redis.disconnect());
      else this.redis.disconnect();
    }
  }
}
