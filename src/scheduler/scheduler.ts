/**
 * The one `Scheduler` interface: what the Client, bags and the distributed
 * read/write use of any scheduler, whether LocalScheduler (worker threads)
 * or RedisScheduler (worker processes on many hosts); and the one registry
 * of the open ones, whose oldest is the default for `Bag.compute()` and the
 * distributed read/write.
 */
import { MsPASSError } from "../errors.js";
import { describe } from "../option-checks.js";
import type { Future } from "./future.js";
import type { FuturesFront, SchedulerState } from "./front.js";
import type { BagRunner } from "./inline.js";
import type { PluginSpec, RegisterPluginOptions } from "./worker-context.js";

export interface Scheduler
  extends BagRunner,
    Pick<
      FuturesFront,
      | "submit"
      | "map"
      | "gather"
      | "scatter"
      | "asCompleted"
      | "wait"
      | "cancel"
      | "on"
      | "once"
      | "off"
      | "emit"
    > {
  readonly closed: boolean;
  /** `http://127.0.0.1:PORT/status`, or undefined when the dashboard is off. */
  readonly dashboardLink: string | undefined;
  /** Forget scattered data. */
  release(futures: Future<unknown> | Iterable<Future<unknown>>): void;
  /** Set a worker plugin up on every worker, now and on workers that start later. */
  registerPlugin(spec: PluginSpec, options?: RegisterPluginOptions): Promise<void>;
  /** Alias of registerPlugin, for MsPASS-style code (`register_worker_plugin`). */
  registerWorkerPlugin(spec: PluginSpec, options?: RegisterPluginOptions): Promise<void>;
  unregisterPlugin(name: string): Promise<void>;
  plugins(): string[];
  /** Ask the workers for their memory (what the dashboard shows). */
  pollMemory(): void;
  /** Snapshot for the dashboard. */
  state(since?: number): SchedulerState;
  /** Pending futures reject; the scheduler's resources are released. */
  close(): Promise<void>;
}

/** Open schedulers, oldest first. */
const open = new Set<Scheduler>();
/** Every scheduler ever opened here (open or closed): what `isScheduler` recognises. */
const known = new WeakSet<object>();

/** @internal Called by a scheduler once it is open. */
export function registerScheduler(s: Scheduler): void {
  known.add(s);
  open.add(s);
}

/** @internal Called by a scheduler when it closes. */
export function unregisterScheduler(s: Scheduler): void {
  open.delete(s);
}

/** The oldest scheduler still open: the default of `Bag.compute()` and the distributed read/write. */
export function currentScheduler(): Scheduler | undefined {
  for (const s of open) return s;
  return undefined;
}

/** True for a LocalScheduler or RedisScheduler (open or closed). */
export function isScheduler(v: unknown): v is Scheduler {
  return typeof v === "object" && v !== null && known.has(v);
}

/**
 * The one check of a `scheduler` option: a scheduler, `"none"` (run in this
 * thread), or `undefined` for the default (also given as `"local"`: the
 * oldest open scheduler). Throws MsPASSError naming `where` otherwise.
 */
export function schedulerOption(where: string, v: unknown): Scheduler | "none" | undefined {
  if (v === undefined || v === "local") return undefined;
  if (v === "none" || isScheduler(v)) return v;
  throw new MsPASSError(
    `${where}: scheduler must be a LocalScheduler, a RedisScheduler or "none" ("local" or nothing: the oldest open scheduler), got ${describe(v)}`,
    "Invalid",
  );
}
