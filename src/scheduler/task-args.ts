/**
 * Argument resolution, shared by every scheduler. A task's arguments may
 * hold futures at the top level or inside a top-level array; they stand for
 * the futures' values, which are filled in when the task is sent (or, in the
 * inline runner, awaited before it runs).
 */
import { Future, TASK, type Task } from "./future.js";

/**
 * The argument as it is sent: every future replaced by its value, or by
 * `scattered(task)` when it stands for scattered data and the scheduler
 * sends such data by reference (LocalScheduler keeps it on the workers).
 */
export function wireArg(x: unknown, scattered?: (t: Task) => unknown): unknown {
  if (x instanceof Future) {
    const d = x[TASK];
    return scattered !== undefined && d.dataId > 0 ? scattered(d) : d.value;
  }
  if (Array.isArray(x) && x.some((y) => y instanceof Future)) return x.map((y) => wireArg(y, scattered));
  return x;
}

/** The arguments with their futures awaited (top level or in a top-level array). */
export async function resolveArgs(args: unknown[]): Promise<unknown[]> {
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
