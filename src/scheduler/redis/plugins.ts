/**
 * The RedisScheduler's worker plugins: the registered set is published in
 * Redis (a hash and a version number); every `mspass worker` process
 * applies a new version on all its threads and acknowledges it in its
 * heartbeat, with the first setup error if one failed. Published again
 * after Redis comes back from an outage (it may have restarted empty).
 */
import { serialize } from "node:v8";
import type { Redis } from "ioredis";
import { MsPASSError } from "../../errors.js";
import { deserializeError } from "../error-transport.js";
import { PluginTable } from "../plugin-table.js";
import type { PluginSpec, RegisterPluginOptions } from "../worker-context.js";
import { encode, type keys as keysOf } from "./wire.js";
import type { WorkerRoster } from "./workers.js";

export class PluginPublisher {
  readonly #table = new PluginTable();
  #lastVersion = 0;
  readonly #redis: () => Redis;
  readonly #keys: ReturnType<typeof keysOf>;
  readonly #roster: WorkerRoster;
  readonly #timeoutMs: number;

  constructor(redis: () => Redis, keys: ReturnType<typeof keysOf>, roster: WorkerRoster, timeoutMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#roster = roster;
    this.#timeoutMs = timeoutMs;
  }

  get size(): number {
    return this.#table.size;
  }

  names(): string[] {
    return this.#table.names();
  }

  /** See RedisScheduler.registerPlugin. */
  async register(spec: PluginSpec, options: RegisterPluginOptions): Promise<void> {
    const wire = this.#table.add(spec, options, serialize);
    if (wire === undefined) return;
    const v = await this.publish();
    const failure = await this.#awaitAcks(v);
    if (failure === null) return;
    this.#table.dropIfCurrent(wire);
    await this.publish();
    throw failure;
  }

  async unregister(name: string): Promise<void> {
    this.#table.remove(name);
    const v = await this.publish();
    const failure = await this.#awaitAcks(v);
    if (failure) throw failure;
  }

  /** Next plugin-set version: monotonic across Redis restarts (workers compare for equality, acks for >=). */
  #nextVersion(): number {
    this.#lastVersion = Math.max(Date.now(), this.#lastVersion + 1);
    return this.#lastVersion;
  }

  /** Write the whole set under a new version; resolves to that version. */
  async publish(): Promise<number> {
    const v = this.#nextVersion();
    const m = this.#redis().multi().del(this.#keys.plugins);
    for (const p of this.#table.wires()) m.hset(this.#keys.plugins, p.name, encode(p));
    m.set(this.#keys.pluginVersion, String(v));
    await m.exec();
    return v;
  }

  /** Wait until every live worker process applied plugin-set `v`; its first setup error, or null. */
  async #awaitAcks(v: number): Promise<Error | null> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const hbs = await this.#roster.heartbeats();
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
          `registerPlugin: ${behind.length} worker process(es) (${behind.map((h) => `${h.host}:${h.pid}`).join(", ")}) did not set the plugins up within ${this.#timeoutMs} ms`,
          "Fatal",
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
