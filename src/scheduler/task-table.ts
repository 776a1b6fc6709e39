/**
 * The task table: the tasks a scheduler has created, their state counters,
 * the key index (an explicit or pure key that is still pending returns its
 * first future again) and the tasks waiting for their dependencies.
 *
 * Shared by LocalScheduler and RedisScheduler, which differ only in what
 * happens to a task once it may run (`hooks.enqueue`) or is cancelled;
 * `newTask` (the one Task literal) is shared with the inline runner too.
 */
import { createHash } from "node:crypto";
import { serialize } from "node:v8";
import { MsPASSError } from "../errors.js";
import { checkArguments } from "./arg-guards.js";
import {
  CancelledError,
  Future,
  TASK,
  isSettled,
  onSettled,
  settle,
  type Task,
  type TaskGroup,
  type TaskState,
} from "./future.js";
import { nonNegativeInt } from "../option-checks.js";
import { isTransfer, type FnDef } from "./task-ref.js";

/** Options of one task (submit's, map's, and the bags'). */
export interface MakeTaskOptions {
  key?: string;
  retries?: number;
  priority?: number;
  pure?: boolean;
  batchCap?: number;
  needs?: FnDef[] | null;
  /** Create it without queueing it (scattered data). */
  hold?: boolean;
}

export interface TaskTableHooks {
  /** The task may run now (no dependencies, or all finished): its state is "waiting". */
  enqueue(t: Task): void;
  /** Future.cancel() of a pending task. */
  cancel(t: Task): void;
  /** Unsettled tasks changed by `n` (LocalScheduler keeps Node alive while any are). */
  active?(n: number): void;
}

export interface TaskTableConfig {
  /** batchCap of a task that names none. */
  defaultBatchCap: number;
  /**
   * Keep the buffers of `transfer(value, buffers)` arguments to move them
   * (worker threads); false: unwrap the value, it is copied anyway (processes).
   */
  keepTransfers: boolean;
}

/** A Task with the defaults of everything not given. */
export function newTask(
  fields: Pick<Task, "id" | "key" | "state" | "fnId" | "def" | "args" | "group"> & Partial<Task>,
): Task {
  return {
    needs: null,
    deps: null,
    pendingDeps: 0,
    hasScatterRefs: false,
    transfer: null,
    retriesLeft: 0,
    attempts: 0,
    reruns: 0,
    priority: 0,
    batchCap: 1,
    worker: null,
    value: undefined,
    error: undefined,
    listeners: null,
    future: null,
    dataId: 0,
    cancel: null,
    ...fields,
  };
}

export class TaskTable {
  readonly counts: Record<TaskState, number> = {
    waiting: 0,
    queued: 0,
    processing: 0,
    finished: 0,
    error: 0,
    cancelled: 0,
  };
  #nextId = 1;
  /** Pending tasks by explicit or pure key (automatic keys are unique and not indexed). */
  #keys = new Map<string, Future<unknown>>();
  /** Tasks waiting for dependencies (close() rejects them). */
  #waitingDeps = new Set<Task>();
  readonly #hooks: TaskTableHooks;
  readonly #config: TaskTableConfig;
  readonly #cancelFn = (t: Task): void => this.#hooks.cancel(t);

  constructor(hooks: TaskTableHooks, config: TaskTableConfig) {
    this.#hooks = hooks;
    this.#config = config;
  }

  /** Create a task (shared by submit, map and bags); an indexed key already pending returns its future. */
  make(
    def: FnDef | null,
    fnId: number,
    args: unknown[],
    opts: MakeTaskOptions,
    group: TaskGroup,
  ): Future<unknown> {
    checkArguments(args, `task ${group.name}`);
    const id = this.#nextId++;
    const retries = opts.retries === undefined ? 0 : nonNegativeInt(opts.retries, "retries");
    const priority = opts.priority ?? 0;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      throw new MsPASSError(`priority must be a finite number, got ${String(priority)}`, "Invalid");
    }
    let transferList: ArrayBuffer[] | null = null;
    let deps: Task[] | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof Future) (deps ??= []).push(a[TASK]);
      else if (isTransfer(a)) {
        if (this.#config.keepTransfers)
          for (const b of a.list) if (b instanceof ArrayBuffer) (transferList ??= []).push(b);
        args[i] = a.value;
      } else if (Array.isArray(a) && a.length > 0 && a.some((x) => x instanceof Future)) {
        for (const x of a) if (x instanceof Future) (deps ??= []).push(x[TASK]);
      }
    }
    let key = opts.key;
    let indexed = true;
    if (key === undefined) {
      indexed = opts.pure === true;
      key = indexed ? `${group.name}-${pureHash(fnId, def, args)}` : `${group.name}-${id}`;
    } else if (typeof key !== "string" || key.length === 0) {
      throw new MsPASSError(`key must be a non-empty string, got ${String(key)}`, "Invalid");
    }
    if (indexed) {
      const existing = this.#keys.get(key);
      if (existing !== undefined) return existing;
    }

    const t = newTask({
      id,
      key,
      state: "waiting",
      fnId,
      needs: opts.needs ?? null,
      def,
      args,
      deps,
      transfer: transferList,
      retriesLeft: retries,
      priority,
      batchCap: opts.batchCap ?? this.#config.defaultBatchCap,
      group,
      cancel: this.#cancelFn,
    });
    const f = new Future<unknown>(t);
    t.future = f;
    group.total++;
    this.counts.waiting++;
    this.#hooks.active?.(1);
    if (indexed) this.#keys.set(key, f);
    if (deps !== null) {
      for (const d of deps) {
        if (d.dataId > 0) t.hasScatterRefs = true;
        if (!isSettled(d)) {
          t.pendingDeps++;
          onSettled(d, (dep) => this.#depSettled(t, dep));
        } else if (d.state !== "finished") {
          this.#depSettled(t, d);
          return f;
        }
      }
    }
    if (t.pendingDeps > 0) this.#waitingDeps.add(t);
    else if (opts.hold !== true) this.#hooks.enqueue(t);
    return f;
  }

  move(t: Task, to: TaskState): void {
    this.counts[t.state]--;
    this.counts[to]++;
    t.state = to;
  }

  settle(t: Task, state: "finished" | "error" | "cancelled", value: unknown, error?: Error): void {
    if (isSettled(t)) return;
    this.counts[t.state]--;
    this.counts[state]++;
    if (this.#keys.size > 0 && this.#keys.get(t.key)?.[TASK] === t) this.#keys.delete(t.key);
    if (t.pendingDeps > 0) this.#waitingDeps.delete(t);
    settle(t, state, value, error);
    this.#hooks.active?.(-1);
  }

  /** Fail every task still waiting for dependencies (the scheduler closes). */
  failWaiting(err: Error): void {
    for (const t of [...this.#waitingDeps]) this.settle(t, "error", undefined, err);
  }

  #depSettled(t: Task, dep: Task): void {
    if (t.state !== "waiting") return;
    if (dep.state !== "finished") {
      this.settle(t, "error", undefined, dep.state === "cancelled" ? new CancelledError(dep.key) : dep.error);
      return;
    }
    if (--t.pendingDeps <= 0) {
      this.#waitingDeps.delete(t);
      this.#hooks.enqueue(t);
    }
  }
}

/** The key of a pure task: its function and arguments (futures by key). */
function pureHash(fnId: number, def: FnDef | null, args: unknown[]): string {
  const h = createHash("sha1");
  h.update(def === null ? String(fnId) : def.kind === "module" ? `${def.module}#${def.export}` : def.source);
  try {
    h.update(serialize(args.map((a) => (a instanceof Future ? { future: a.key } : a))));
  } catch (err) {
    throw new MsPASSError(
      `submit: pure task arguments cannot be serialized: ${(err as Error).message}`,
      "Invalid",
    );
  }
  return h.digest("hex").slice(0, 16);
}
