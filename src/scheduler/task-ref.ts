/**
 * How a function reaches a worker thread.
 *
 * A worker is a separate V8 isolate: it cannot share the caller's closures.
 * Two ways are supported, both explicit about that limit:
 *
 * 1. A function exported from a module: `task(import.meta.url, "fnName")`
 *    (or the plain object `{ module, export }`). The worker imports the same
 *    module and calls the export, so the function may use imports and
 *    module-level state freely. This is the recommended form. The module's
 *    top-level code runs in every worker that imports it: a script that
 *    names its own exports must guard its main code with
 *    `if (isMainThread) { ... }` (node:worker_threads), or keep its task
 *    functions in a separate module (LocalScheduler.start() refuses to run
 *    inside a worker, which makes a missing guard a clear error).
 * 2. A self-contained function passed directly (`submit((x) => x * 2, 21)`).
 *    Its source text (`fn.toString()`) is compiled in the worker, in strict
 *    mode, in a clean global scope. It must not use variables, imports or
 *    helpers from the scope it was written in: closures are unsupported. Such
 *    a use surfaces as a ReferenceError in the worker, which the scheduler
 *    turns into an MsPASSError saying so.
 */
import { pathToFileURL } from "node:url";
import { isAbsolute } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { MsPASSError } from "../errors.js";
import { dataBuffers } from "./serialize.js";

const TASK_REF = Symbol.for("mspass.scheduler.taskRef");
const TRANSFER = Symbol.for("mspass.scheduler.transfer");
const OPTIONS = Symbol.for("mspass.scheduler.submitOptions");

// biome-ignore lint/suspicious/noExplicitAny: a task function of any signature
export type AnyFunction = (...args: any[]) => unknown;

/** A function named by module and export; `F` only types the result. */
export interface TaskRef<F extends AnyFunction = AnyFunction> {
  readonly module: string;
  readonly export: string;
  /** Phantom member carrying the function type; never set. */
  readonly __fn?: F;
}

/** Anything `submit`, `map` and the bag operations accept as a function. */
export type TaskFn<F extends AnyFunction = AnyFunction> =
  | F
  | TaskRef<F>
  | { module: string | URL; export: string };

/**
 * Name an exported function for the workers to import:
 * `task<typeof double>(import.meta.url, "double")`.
 * `module` is a file URL, an absolute path, or a package specifier (resolved
 * from the mspass package's location).
 */
export function task<F extends AnyFunction = AnyFunction>(
  module: string | URL,
  exportName: string,
): TaskRef<F> {
  const ref = { module: normalizeModule(module, "task"), export: checkExport(exportName, "task") };
  Object.defineProperty(ref, TASK_REF, { value: true });
  return Object.freeze(ref) as TaskRef<F>;
}

function checkExport(name: unknown, where: string): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new MsPASSError(
      `${where}: the export name must be a non-empty string, got ${String(name)}`,
      "Invalid",
    );
  }
  return name;
}

/** File URL for paths and URLs; bare package specifiers pass through. */
export function normalizeModule(module: string | URL, where: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== "string" || module.length === 0) {
    throw new MsPASSError(
      `${where}: module must be a URL or an absolute path, got ${String(module)}`,
      "Invalid",
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module; // file:, data:, node:
  if (isAbsolute(module)) return pathToFileURL(module).href;
  if (module.startsWith(".")) {
    throw new MsPASSError(
      `${where}: module "${module}" is relative; pass import.meta.url or an absolute path (workers cannot know what it is relative to)`,
      "Invalid",
    );
  }
  return module; // bare specifier such as "mspass" or "some-package/sub"
}

/** A value whose listed buffers are moved to the other thread instead of copied. */
export interface Transfer<T> {
  readonly value: T;
  readonly list: readonly Transferable[];
}

type Transferable = ArrayBuffer | MessagePort;

/**
 * Mark `value` so that `list` (ArrayBuffers, e.g. `arr.buffer`) is moved, not
 * copied, when it crosses threads: as a `submit` argument, or as a task's
 * return value. The sender loses access to moved buffers. A task with moved
 * arguments cannot be re-run after its worker dies (the buffer went with it),
 * so its future rejects instead of retrying.
 */
export function transfer<T>(value: T, list?: readonly Transferable[]): Transfer<T> {
  const buffers = list ?? defaultTransferList(value);
  const t = { value, list: buffers };
  Object.defineProperty(t, TRANSFER, { value: true });
  return t;
}

function defaultTransferList(value: unknown): Transferable[] {
  if (value instanceof ArrayBuffer) return [value];
  const samples = dataBuffers(value); // a data object: its sample buffers
  if (samples !== undefined) return samples;
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) return [value.buffer];
  throw new MsPASSError(
    "transfer: give the list of buffers to move (only a typed array, ArrayBuffer or data object value implies it)",
    "Invalid",
  );
}

export function isTransfer(value: unknown): value is Transfer<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TRANSFER] === true;
}

/** Options of one `submit`. */
export interface SubmitOptions {
  /** Task key; a pending task with the same key is returned instead of a new one. */
  key?: string;
  /** How many times to re-run the task after it throws or its worker dies (default 0). */
  retries?: number;
  /** Higher runs first (default 0). */
  priority?: number;
  /** Deterministic key from function + arguments, so identical pending submissions share one future. */
  pure?: boolean;
}

/**
 * Options for `submit(fn, ...args)`, passed as its last argument:
 * `submit(fn, a, b, taskOptions({ retries: 2, priority: 5 }))`.
 * The marker keeps plain objects from ever being mistaken for options.
 */
export function taskOptions(options: SubmitOptions): SubmitOptions {
  const o = { ...options };
  Object.defineProperty(o, OPTIONS, { value: true });
  return o;
}

export function isTaskOptions(value: unknown): value is SubmitOptions {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[OPTIONS] === true;
}

/** How to obtain a function, without its id. */
export type FnDesc =
  | { kind: "module"; module: string; export: string; name: string }
  | { kind: "source"; source: string; name: string };

/** What the worker needs to obtain a function (sent once per worker). */
export type FnDef = FnDesc & { id: number };

/** Compile the expression that yields a function from its source (worker side and validation). */
export function compileSource(source: string): AnyFunction {
  // Strict mode, so an assignment to a captured variable is a ReferenceError
  // rather than a silently created global.
  const make = new Function(`"use strict"; return (${source});`) as () => unknown;
  const fn = make();
  if (typeof fn !== "function") throw new TypeError("source did not evaluate to a function");
  return fn as AnyFunction;
}

/**
 * Turn the source of a function value into an expression that evaluates to
 * it, or throw MsPASSError explaining why it cannot be sent.
 */
export function sourceOf(fn: AnyFunction, where: string): string {
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw new MsPASSError(
      `${where}: function "${fn.name || "anonymous"}" is native or bound and has no source to send to a worker; ` +
        'use task(import.meta.url, "exportName") for an exported function',
      "Invalid",
    );
  }
  if (/^class[\s{]/.test(text)) {
    throw new MsPASSError(`${where}: a class is not a task function`, "Invalid");
  }
  const candidates = [text, `({ ${text} })[${JSON.stringify(fn.name)}]`];
  for (const c of candidates) {
    try {
      // Parses only: new Function compiles the body without running it.
      new Function(`"use strict"; return (${c});`);
      return c;
    } catch {
      /* try the next form */
    }
  }
  throw new MsPASSError(
    `${where}: cannot recompile the source of function "${fn.name || "anonymous"}"`,
    "Invalid",
  );
}

/** Resolve any accepted function form to a definition (without id). */
export function describeFn(fn: unknown, where: string): FnDesc {
  if (typeof fn === "function") {
    return { kind: "source", source: sourceOf(fn as AnyFunction, where), name: fn.name || "lambda" };
  }
  if (typeof fn === "object" && fn !== null && "module" in fn && "export" in fn) {
    const r = fn as { module: string | URL; export: string };
    const exp = checkExport(r.export, where);
    return { kind: "module", module: normalizeModule(r.module, where), export: exp, name: exp };
  }
  throw new MsPASSError(
    `${where}: expected a function, task(moduleUrl, exportName) or { module, export }, got ${fn === null ? "null" : typeof fn}`,
    "Invalid",
  );
}
