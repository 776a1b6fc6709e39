/**
 * The function-definition registry and the task-group table, shared by
 * every scheduler (LocalScheduler, the inline "none" runner, and any other
 * that runs bags and futures).
 *
 * `FnRegistry.defOf` turns a task function (a module `task()` reference or a
 * self-contained function sent as source) into a definition with a numeric
 * id that workers cache. Identity is cached (it runs on every submit), and
 * equal definitions share one id: a function literal in a loop is a new
 * object each time but the same source.
 */
import { describeFn, type FnDef, type TaskFn } from "./task-ref.js";
import type { TaskGroup } from "./future.js";

export class FnRegistry {
  #byIdentity = new WeakMap<object, FnDef>();
  #byText = new Map<string, FnDef>();
  #nextId = 1;

  defOf(fn: TaskFn, where: string): FnDef {
    const cached =
      typeof fn === "object" || typeof fn === "function" ? this.#byIdentity.get(fn as object) : undefined;
    if (cached !== undefined) return cached;
    const desc = describeFn(fn, where);
    const k = desc.kind === "source" ? `src:${desc.source}` : `mod:${desc.module}#${desc.export}`;
    let d = this.#byText.get(k);
    if (d === undefined) {
      d = { ...desc, id: this.#nextId++ };
      this.#byText.set(k, d);
    }
    this.#byIdentity.set(fn as object, d);
    return d;
  }
}

/** Counters per task name (what the dashboard and `state()` show). */
export class GroupTable {
  #groups = new Map<string, TaskGroup>();

  groupOf(name: string): TaskGroup {
    let g = this.#groups.get(name);
    if (g === undefined) {
      g = { name, total: 0, done: 0, erred: 0, cancelled: 0 };
      this.#groups.set(name, g);
    }
    return g;
  }

  values(): IterableIterator<TaskGroup> {
    return this.#groups.values();
  }
}
