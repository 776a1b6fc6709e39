/**
 * Global-history logging for bag operations. MsPASS patches `mspass_map` and
 * `mspass_reduce` onto dask Bag and Spark RDD when a GlobalHistoryManager is
 * made; patching another module's prototype from here would be invisible
 * action at a distance, so these are explicit functions instead:
 *
 *     const out = await mspassMap(bag, fn, { globalHistory: client.getGlobalHistoryManager() });
 *
 * As MsPASS: the algorithm name defaults to the function's name, the
 * parameters string to MsPASS's `args…,key=value,…` text (here built from
 * `args`/`kwargs` given for the record; the function itself is called with
 * the item only), the alg_id is the one already recorded for this name and
 * parameters, else a new ObjectId, and one `history_global` record is written
 * when the graph is built (not when it runs). MsPASS also passes
 * `alg_id`/`alg_name` to the function as keyword arguments; a JavaScript
 * task function has no keyword arguments, so the caller gets them back
 * instead (`algId`, `algName`).
 */
import { ObjectId } from "mongodb";
import { MsPASSError } from "../../errors.js";
import type { Bag, BagItem } from "../../scheduler/bag.js";
import type { TaskFn } from "../../scheduler/task-ref.js";
import { GlobalHistoryManager } from "./global-history.js";

export interface HistoryLogOptions {
  /** The manager to record in (`client.getGlobalHistoryManager()`); nothing is recorded without one. */
  globalHistory?: GlobalHistoryManager;
  /** Default: the function's name (or its export name for a task reference). */
  algName?: string;
  /** Default: the id recorded for (algName, parameters), else a new ObjectId. */
  algId?: ObjectId | string;
  /** The stored parameters text; default built from `args` and `kwargs` as MsPASS does. */
  parameters?: string;
  /** Positional parameters to record. */
  args?: readonly unknown[];
  /** Keyword parameters to record (in this order). */
  kwargs?: Readonly<Record<string, unknown>>;
  /** Recorded as MsPASS's `object_history` keyword (default false). */
  objectHistory?: boolean;
}

export interface Logged<T> {
  result: T;
  algName: string;
  algId: ObjectId | string;
}

function fnName(fn: TaskFn): string {
  if (typeof fn === "function") return fn.name || "lambda";
  return (fn as { export?: string }).export ?? "fn";
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v instanceof ObjectId) return v.toHexString();
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/** MsPASS's parameters text: `a1,a2,k1=v1,…,object_history=False[,alg_name=…][,alg_id=…]`. */
export function mspassParameters(options: HistoryLogOptions): string {
  const args = (options.args ?? []).map(text).join(",");
  const kw: Array<[string, unknown]> = Object.entries(options.kwargs ?? {});
  kw.push(["object_history", options.objectHistory ?? false]);
  if (options.algName !== undefined) kw.push(["alg_name", options.algName]);
  if (options.algId !== undefined) kw.push(["alg_id", options.algId]);
  const kws = kw.map(([k, v]) => `${k}=${text(v)}`).join(",");
  return args === "" ? kws : `${args},${kws}`;
}

async function record(
  fn: TaskFn,
  options: HistoryLogOptions,
  what: string,
): Promise<{ algName: string; algId: ObjectId | string }> {
  const gh = options.globalHistory;
  if (gh !== undefined && !(gh instanceof GlobalHistoryManager)) {
    throw new MsPASSError(`${what}: globalHistory must be a GlobalHistoryManager`, "Invalid");
  }
  const parameters = options.parameters ?? mspassParameters(options);
  const algName = options.algName ?? fnName(fn);
  let algId = options.algId ?? (gh === undefined ? null : await gh.getAlgId(algName, parameters));
  algId ??= new ObjectId();
  if (gh !== undefined) await gh.logging(algName, algId, parameters);
  return { algName, algId };
}

/** `bag.map(fn)` with one `history_global` record (MsPASS's `mspass_map`). */
export async function mspassMap<T, U>(
  bag: Bag<T>,
  fn: TaskFn<(item: T) => U>,
  options: HistoryLogOptions = {},
): Promise<Logged<Bag<Awaited<U>>>> {
  const r = await record(fn, options, "mspassMap");
  return { result: bag.map(fn), ...r };
}

/** `bag.fold(binop, combine, initial)` with one `history_global` record (MsPASS's `mspass_reduce` on a dask Bag). */
export async function mspassFold<T, A>(
  bag: Bag<T>,
  binop: TaskFn<(acc: A, item: T) => A>,
  combine?: TaskFn<(a: A, b: A) => A>,
  initial?: A,
  options: HistoryLogOptions = {},
): Promise<Logged<BagItem<A>>> {
  const r = await record(binop, options, "mspassFold");
  return { result: bag.fold(binop, combine, initial), ...r };
}
