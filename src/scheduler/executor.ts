/**
 * Turning function definitions into callables, and the built-in bag
 * operations (a partition pipeline, fold and foldby combines). Runs inside
 * worker threads.
 */
import { MsPASSError } from "../errors.js";
import { compileSource, type AnyFunction, type FnDef } from "./task-ref.js";
import { isThenable, typeName } from "../option-checks.js";

export interface FnEntry {
  fn: AnyFunction;
  name: string;
  source: boolean;
}

export async function loadFn(def: FnDef): Promise<FnEntry> {
  if (def.kind === "source") {
    return { fn: compileSource(def.source), name: def.name, source: true };
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(def.module)) as Record<string, unknown>;
  } catch (err) {
    throw new MsPASSError(`cannot import task module ${def.module}: ${(err as Error).message}`, "Invalid", {
      cause: err,
    });
  }
  const fn = mod[def.export];
  if (typeof fn !== "function") {
    throw new MsPASSError(
      `task module ${def.module} has no exported function "${def.export}" (found ${typeof fn})`,
      "Invalid",
    );
  }
  return { fn: fn as AnyFunction, name: def.name, source: false };
}

/** A placeholder for a function that failed to load: calling it throws the load error. */
export function failedFn(def: FnDef, err: unknown): FnEntry {
  return {
    fn: () => {
      throw err;
    },
    name: def.name,
    source: false,
  };
}

/**
 * A function sent as source runs in a clean scope; a ReferenceError there is
 * almost always a captured variable, which deserves a precise explanation.
 */
export function explainReferenceError(err: unknown, entry: FnEntry): unknown {
  if (!entry.source || !(err instanceof ReferenceError)) return err;
  const m = /^(\S+) is not defined$/.exec(err.message);
  if (m === null) return err;
  const e = new MsPASSError(
    `task function "${entry.name}" uses "${m[1]}", which is not defined in the worker: functions passed as values ` +
      "are sent as source and run in a clean scope, so they cannot use variables, imports or helpers from the " +
      `scope they were written in (closures are unsupported). Pass "${m[1]}" as an argument, or export the ` +
      'function from a module and submit task(import.meta.url, "name").',
    "Invalid",
    { cause: err },
  );
  e.stack = `${e.name}: ${e.message}\n${(err.stack ?? "").split("\n").slice(1).join("\n")}`;
  return e;
}

export type Resolve = (fnId: number) => FnEntry;

/** One step of a bag pipeline, applied to a partition in order. */
export type Stage =
  | ["map", number]
  | ["map", number, unknown[]]
  | ["filter", number]
  | ["flatten"]
  | ["mapPartitions", number]
  | ["mapPartitions", number, unknown[]]
  | ["fold", number, boolean, unknown]
  | ["foldby", number, number, boolean, unknown];

async function call(entry: FnEntry, args: unknown[]): Promise<unknown> {
  try {
    const r = entry.fn(...args);
    return isThenable(r) ? await r : r;
  } catch (err) {
    throw explainReferenceError(err, entry);
  }
}

/** Call each item, staying synchronous unless a call returns a promise. */
async function mapItems(
  entry: FnEntry,
  items: unknown[],
  keep: (item: unknown, r: unknown) => void,
  args: unknown[] = [],
): Promise<void> {
  const fn = entry.fn;
  try {
    for (let i = 0; i < items.length; i++) {
      let r = args.length === 0 ? fn(items[i]) : fn(items[i], ...args);
      if (isThenable(r)) r = await r;
      keep(items[i], r);
    }
  } catch (err) {
    throw explainReferenceError(err, entry);
  }
}

export async function runPartition(resolve: Resolve, stages: Stage[], input: unknown[]): Promise<unknown[]> {
  let items = input;
  for (const stage of stages) {
    switch (stage[0]) {
      case "map": {
        const out: unknown[] = [];
        await mapItems(resolve(stage[1]), items, (_x, r) => out.push(r), stage[2]);
        items = out;
        break;
      }
      case "filter": {
        const out: unknown[] = [];
        await mapItems(resolve(stage[1]), items, (x, r) => {
          if (r) out.push(x);
        });
        items = out;
        break;
      }
      case "flatten": {
        const out: unknown[] = [];
        for (const x of items) {
          if (
            x === null ||
            typeof (x as Iterable<unknown>)[Symbol.iterator] !== "function" ||
            typeof x === "string"
          ) {
            throw new MsPASSError(`flatten: item ${typeName(x)} is not an array or iterable`, "Invalid");
          }
          for (const y of x as Iterable<unknown>) out.push(y);
        }
        items = out;
        break;
      }
      case "mapPartitions": {
        const r = await call(resolve(stage[1]), stage[2] === undefined ? [items] : [items, ...stage[2]]);
        if (
          r === null ||
          typeof r !== "object" ||
          typeof (r as Iterable<unknown>)[Symbol.iterator] !== "function"
        ) {
          throw new MsPASSError(
            `mapPartitions: the function must return an array or iterable, got ${typeName(r)}`,
            "Invalid",
          );
        }
        items = Array.isArray(r) ? r : Array.from(r as Iterable<unknown>);
        break;
      }
      case "fold":
        items = await reduce(resolve(stage[1]), items, stage[2], stage[3]);
        break;
      case "foldby":
        items = await reduceBy(resolve(stage[1]), resolve(stage[2]), items, stage[3], stage[4]);
        break;
    }
  }
  return items;
}

/** [acc] or [] for an empty input without an initial value. */
export async function reduce(
  entry: FnEntry,
  items: unknown[],
  hasInitial: boolean,
  initial: unknown,
): Promise<unknown[]> {
  let i = 0;
  let acc: unknown;
  if (hasInitial) acc = initial;
  else if (items.length === 0) return [];
  else acc = items[i++];
  for (; i < items.length; i++) acc = await call(entry, [acc, items[i]]);
  return [acc];
}

/** Group by key and fold each group; returns [key, value] pairs in first-seen order. */
export async function reduceBy(
  keyFn: FnEntry | null,
  binop: FnEntry,
  items: unknown[],
  hasInitial: boolean,
  initial: unknown,
): Promise<unknown[]> {
  const groups = new Map<unknown, unknown>();
  for (const item of items) {
    let key: unknown;
    let value: unknown;
    if (keyFn === null) {
      [key, value] = item as [unknown, unknown]; // combine step: items are [key, value] pairs
    } else {
      key = await call(keyFn, [item]);
      value = item;
    }
    if (groups.has(key)) groups.set(key, await call(binop, [groups.get(key), value]));
    else if (hasInitial) groups.set(key, await call(binop, [structuredClone(initial), value]));
    else groups.set(key, value);
  }
  return [...groups];
}

/** args of the fold combine task: [combineFnId, partials, hasInitial, initial] */
export async function foldCombine(resolve: Resolve, args: unknown[]): Promise<unknown> {
  const [fnId, partials, hasInitial, initial] = args as [number, unknown[][], boolean, unknown];
  const flat = partials.flat(1);
  const r = await reduce(resolve(fnId), flat, hasInitial, initial);
  if (r.length === 0)
    throw new MsPASSError("fold: the bag is empty and no initial value was given", "Invalid");
  return r[0];
}

/** args of the foldby combine task: [combineFnId, partials, hasInitial, initial] */
export async function foldbyCombine(resolve: Resolve, args: unknown[]): Promise<unknown> {
  const [fnId, partials, hasInitial, initial] = args as [number, unknown[][], boolean, unknown];
  return reduceBy(null, resolve(fnId), partials.flat(1), hasInitial, initial);
}
