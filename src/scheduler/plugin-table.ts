/**
 * The registered worker plugins of a scheduler (name → what the workers
 * are sent) and the checks of a registration, shared by LocalScheduler and
 * RedisScheduler, which differ only in how the set reaches the workers.
 */
import { MsPASSError } from "../errors.js";
import type { PluginWire } from "./protocol.js";
import { normalizeModule } from "./task-ref.js";
import type { PluginSpec, RegisterPluginOptions } from "./worker-context.js";

export class PluginTable {
  #plugins = new Map<string, PluginWire>();
  #nextVersion = 1;

  /**
   * Check a registration and put it in the table (in last place, replacing
   * one of the same name). Returns undefined when `idempotent` and the name
   * is registered already. `canSend` throws if the options cannot travel to
   * the workers (a structured clone, or v8 serialization for processes).
   */
  add(
    spec: PluginSpec,
    options: RegisterPluginOptions,
    canSend: (v: unknown) => unknown,
  ): PluginWire | undefined {
    if (typeof spec !== "object" || spec === null) {
      throw new MsPASSError("registerPlugin: plugin must be { module, export, options? }", "Invalid");
    }
    const module = normalizeModule(spec.module, "registerPlugin");
    if (typeof spec.export !== "string" || spec.export.length === 0) {
      throw new MsPASSError(
        `registerPlugin: plugin export must be a non-empty string, got ${String(spec.export)}`,
        "Invalid",
      );
    }
    const name = options.name ?? spec.export;
    if (typeof name !== "string" || name.length === 0)
      throw new MsPASSError("registerPlugin: name must be a non-empty string", "Invalid");
    if (options.idempotent && this.#plugins.has(name)) return undefined;
    try {
      canSend(spec.options);
    } catch (err) {
      throw new MsPASSError(
        `registerPlugin: options of plugin "${name}" cannot be sent to workers: ${(err as Error).message}`,
        "Invalid",
      );
    }
    const wire: PluginWire = {
      name,
      module,
      export: spec.export,
      options: spec.options,
      version: this.#nextVersion++,
    };
    this.#plugins.delete(name);
    this.#plugins.set(name, wire);
    return wire;
  }

  /** Forget `wire` unless a later registration of its name replaced it (its setup failed). */
  dropIfCurrent(wire: PluginWire): void {
    if (this.#plugins.get(wire.name) === wire) this.#plugins.delete(wire.name);
  }

  /** Forget the plugin `name`; an Invalid error if none is registered under it. */
  remove(name: string): void {
    if (!this.#plugins.has(name))
      throw new MsPASSError(`unregisterPlugin: no plugin named "${String(name)}" is registered`, "Invalid");
    this.#plugins.delete(name);
  }

  get size(): number {
    return this.#plugins.size;
  }

  /** In registration order. */
  wires(): PluginWire[] {
    return [...this.#plugins.values()];
  }

  names(): string[] {
    return [...this.#plugins.keys()];
  }
}
