/**
 * The "none" scheduler for bags: runs every partition in the calling
 * thread, one after another, with the same function rules as the workers
 * (functions sent as source are recompiled in a clean scope), so a pipeline
 * gives the same results with and without worker threads.
 */
import { MsPASSError } from "../errors.js";
import {
  failedFn,
  foldbyCombine,
  foldCombine,
  loadFn,
  runPartition,
  type FnEntry,
  type Stage,
} from "./executor.js";
import type { WorkerInfo } from "./front.js";
import { Future, settle, type TaskGroup } from "./future.js";
import { FN_FOLD_COMBINE, FN_FOLDBY_COMBINE, FN_PARTITION } from "./protocol.js";
import type { FnDef, TaskFn } from "./task-ref.js";
import { FnRegistry, GroupTable } from "./registry.js";
import { checkArguments } from "./arg-guards.js";
import { resolveArgs } from "./task-args.js";
import { newTask } from "./task-table.js";

/** What a Bag needs from whatever runs it (LocalScheduler or InlineRunner). */
export interface BagRunner {
  defOf(fn: TaskFn, where: string): FnDef;
  groupOf(name: string): TaskGroup;
  makeTask(
    def: FnDef | null,
    fnId: number,
    args: unknown[],
    opts: { needs?: FnDef[] | null; retries?: number },
    group: TaskGroup,
  ): Future<unknown>;
  /** The workers running its tasks now (their threads bound how many partitions a streamed bag keeps in flight). */
  workers(): WorkerInfo[];
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

  /** None: every task runs in the calling thread. */
  workers(): WorkerInfo[] {
    return [];
  }

  makeTask(
    def: FnDef | null,
    fnId: number,
    args: unknown[],
    opts: { needs?: FnDef[] | null },
    group: TaskGroup,
  ): Future<unknown> {
    checkArguments(args, `task ${group.name}`);
    const id = this.#nextTask++;
    const t = newTask({
      id,
      key: `${group.name}-${id}`,
      state: "processing",
      fnId,
      def,
      args,
      attempts: 1,
      group,
    });
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
      if (e === undefined)
        throw new MsPASSError(`internal: function ${id} unknown to the inline runner`, "Fatal");
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
