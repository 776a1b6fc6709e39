/**
 * The "none" scheduler for bags: runs every partition in the calling
 * thread, one after another, with the same function rules as the workers
 * (functions sent as source are recompiled in a clean scope), so a pipeline
 * gives the same results with and without worker threads.
 */
import { MsPASSError } from "../errors.js";
import { failedFn, foldbyCombine, foldCombine, loadFn, runPartition, type FnEntry, type Stage } from "./executor.js";
import { Future, settle, type Task, type TaskGroup } from "./future.js";
import { FN_FOLD_COMBINE, FN_FOLDBY_COMBINE, FN_PARTITION } from "./protocol.js";
import type { FnDef, TaskFn } from "./task-ref.js";
import { FnRegistry, GroupTable } from "./registry.js";
import { checkArguments } from "./arg-guards.js";

/** What a Bag needs from whatever runs it (LocalScheduler or InlineRunner). */
export interface BagRunner {
  defOf(fn: TaskFn, where: string): FnDef;
  groupOf(name: string): TaskGroup;
  makeTask(def: FnDef | null, fnId: number, args: unknown[], opts: { needs?: FnDef[] | null; retries?: number }, group: TaskGroup): Future<unknown>;
}

export class InlineRunner implements BagRunner {
  readonly #fns = new FnRegistry();
  #entries = new Map<number, FnEntry>();
  readonly #groups = new GroupTable();
  #nextTask = 1;
  /** Serial execution: each task starts after the previous one settled. */
  #chain: Promise<unknown> = Promise.resolve();

  defOf(fn: TaskFn, where: string): FnDef {
    return this.#fns.defOf(fn, where);
  }

  groupOf(name: string): TaskGroup {
    return this.#groups.groupOf(name);
  }

  makeTask(def: FnDef | null, fnId: number, args: unknown[], opts: { needs?: FnDef[] | null }, group: TaskGroup): Future<unknown> {
    checkArguments(args, `task ${group.name}`);
    const id = this.#nextTask++;
    const t: Task = {
      id,
      key: `${group.name}-${id}`,
      state: "processing",
      fnId,
      needs: null,
      def,
      args,
      deps: null,
      pendingDeps: 0,
      hasScatterRefs: false,
      transfer: null,
      retriesLeft: 0,
      attempts: 1,
      reruns: 0,
      priority: 0,
      batchCap: 1,
      group,
      worker: null,
      value: undefined,
      error: undefined,
      listeners: null,
      future: null,
      dataId: 0,
      cancel: null,
    };
    const f = new Future<unknown>(t);
    t.future = f;
    group.total++;
    const defs = [...(def === null ? [] : [def]), ...(opts.needs ?? [])];
    this.#chain = this.#chain.then(async () => {
      try {
        settle(t, "finished", await this.#run(fnId, await resolveArgs(args), defs));
      } catch (err) {
        settle(t, "error", undefined, err as Error);
      }
    });
    return f;
  }

  async #run(fnId: number, args: unknown[], defs: FnDef[]): Promise<unknown> {
    for (const d of defs) {
      if (!this.#entries.has(d.id)) {
        try {
          this.#entries.set(d.id, await loadFn(d));
        } catch (err) {
          this.#entries.set(d.id, failedFn(d, err));
        }
      }
    }
    const resolve = (id: number): FnEntry => {
      const e = this.#entries.get(id);
      if (e === undefined) throw new MsPASSError(`internal: function ${id} unknown to the inline runner`, "Fatal");
      return e;
    };
    switch (fnId) {
      case FN_PARTITION:
        return runPartition(resolve, args[0] as Stage[], args[1] as unknown[]);
      case FN_FOLD_COMBINE:
        return foldCombine(resolve, args);
      case FN_FOLDBY_COMBINE:
        return foldbyCombine(resolve, args);
      default:
        return resolve(fnId).fn(...args);
    }
  }
}

/** Futures among the arguments (top level or in a top-level array) become their values. */
async function resolveArgs(args: unknown[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const a of args) {
    if (a instanceof Future) out.push(await a.result());
    else if (Array.isArray(a) && a.some((x) => x instanceof Future)) {
      const inner: unknown[] = [];
      for (const x of a) inner.push(x instanceof Future ? await x.result() : x);
      out.push(inner);
    } else out.push(a);
  }
  return out;
}
