/**
 * The LocalScheduler's worker plugins (dask's `register_plugin`): the
 * registered set that new workers boot with, and the setup/teardown round
 * trips on the live ones.
 *
 * Plugin changes go on a per-worker MessagePort and bump a shared epoch
 * counter (WorkerPool.control); workers check it (one Atomics.load) before
 * every task and pull the change with receiveMessageOnPort, so setup and
 * teardown happen before the next task even in the middle of a batch of
 * synchronous tasks, which never lets the worker's event loop deliver a
 * message.
 */
import { deserializeError } from "../error-transport.js";
import type { PluginWire } from "../protocol.js";
import { PluginTable } from "../plugin-table.js";
import type { PluginSpec, RegisterPluginOptions } from "../worker-context.js";
import type { WorkerPool } from "./pool.js";

export class PluginSet {
  readonly #table = new PluginTable();
  readonly #pool: WorkerPool;

  constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  /** What a worker starting now sets up, in registration order. */
  wires(): PluginWire[] {
    return this.#table.wires();
  }

  names(): string[] {
    return this.#table.names();
  }

  /** See LocalScheduler.registerPlugin. */
  async register(spec: PluginSpec, options: RegisterPluginOptions): Promise<void> {
    const wire = this.#table.add(spec, options, structuredClone);
    if (wire === undefined) return;
    const name = wire.name;
    const targets = this.#pool.live();
    const results = await Promise.all(
      targets.map((w) => this.#pool.control(w, { t: "plugin-add", seq: 0, plugin: wire })),
    );
    const failure = results.find((r) => r !== null);
    if (failure === undefined || failure === null) return;
    this.#table.dropIfCurrent(wire);
    await Promise.all(
      targets
        .filter((w, i) => results[i] === null && w.status !== "dead")
        .map((w) => this.#pool.control(w, { t: "plugin-remove", seq: 0, name })),
    );
    throw deserializeError(failure);
  }

  /** See LocalScheduler.unregisterPlugin. */
  async unregister(name: string): Promise<void> {
    this.#table.remove(name);
    const live = this.#pool.live();
    const results = await Promise.all(
      live.map((w) => this.#pool.control(w, { t: "plugin-remove", seq: 0, name })),
    );
    const failure = results.find((r, i) => r !== null && live[i].status !== "dead");
    if (failure) throw deserializeError(failure);
  }
}
