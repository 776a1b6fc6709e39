/**
 * Worker-thread entry of the LocalScheduler (loaded as compiled
 * dist/scheduler/worker.js).
 *
 * One loop runs everything in arrival order: control messages (plugin
 * changes, scattered data, stop) go before the next task, batches run task
 * by task. Results are flushed at the end of a batch or every FLUSH_MS,
 * whichever comes first, so long tasks still report promptly.
 */
import { parentPort, receiveMessageOnPort, workerData, threadId } from "node:worker_threads";
import { getHeapStatistics } from "node:v8";
import { MsPASSError } from "../errors.js";
import { serializeError, type ErrorInfo } from "./error-transport.js";
import {
  explainReferenceError,
  failedFn,
  foldbyCombine,
  foldCombine,
  loadFn,
  runPartition,
  type FnEntry,
  type Stage,
} from "./executor.js";
import {
  FN_FOLD_COMBINE,
  FN_FOLDBY_COMBINE,
  FN_PARTITION,
  type ControlMessage,
  type DataRef,
  type MainToWorker,
  type MemoryInfo,
  type PluginWire,
  type ResultsMessage,
  type WorkerBoot,
  type WorkerToMain,
} from "./protocol.js";
import { packContext, pack, pinSamples, unpack, unpackAll } from "./serialize.js";
import { isTransfer } from "./task-ref.js";
import { SchedulerWorker, setCurrentWorker, type WorkerPlugin } from "./worker-context.js";
import { isThenable } from "../option-checks.js";

const FLUSH_MS = 10;
const MEM_EVERY_MS = 500;

if (parentPort === null)
  throw new MsPASSError("scheduler worker entry loaded outside a worker thread", "Fatal");
const port = parentPort;
const boot = workerData as WorkerBoot;
const running = new Float64Array(boot.state);
const pluginPort = boot.pluginPort;
const pluginEpoch = new Int32Array(boot.pluginEpoch);
let seenEpoch = 0;
const self = new SchedulerWorker(boot.id, boot.name, threadId);
setCurrentWorker(self);

const fns = new Map<number, FnEntry>();
const store = new Map<number, unknown>();
const cancelled = new Set<number>();
const pluginVersions = new Map<string, number>();
const control: ControlMessage[] = [];
const batches: Extract<MainToWorker, { t: "batch" }>[] = [];
let busy = false;
let stopped = false;
let lastMem = 0;

function post(msg: WorkerToMain, transferList?: ArrayBuffer[]): void {
  port.postMessage(msg, transferList);
}

function memory(): MemoryInfo {
  const h = getHeapStatistics();
  lastMem = performance.now();
  return { used: h.used_heap_size, limit: h.heap_size_limit };
}

const builtin = (
  entry: (resolve: (id: number) => FnEntry, args: unknown[]) => Promise<unknown>,
  name: string,
): FnEntry => ({
  fn: (...args: unknown[]) => entry(resolveFn, args),
  name,
  source: false,
});
fns.set(
  FN_PARTITION,
  builtin((r, a) => runPartition(r, a[0] as Stage[], a[1] as unknown[]), "partition"),
);
fns.set(FN_FOLD_COMBINE, builtin(foldCombine, "fold-combine"));
fns.set(FN_FOLDBY_COMBINE, builtin(foldbyCombine, "foldby-combine"));

function resolveFn(id: number): FnEntry {
  const e = fns.get(id);
  if (e === undefined)
    throw new MsPASSError(`internal: function ${id} was never sent to ${self.name}`, "Fatal");
  return e;
}

async function buildPlugin(p: PluginWire): Promise<WorkerPlugin> {
  const mod = (await import(p.module)) as Record<string, unknown>;
  const exp = mod[p.export];
  let plugin: unknown;
  if (typeof exp === "function") {
    const proto = (exp as { prototype?: Record<string, unknown> }).prototype;
    const isClass =
      /^class[\s{]/.test(Function.prototype.toString.call(exp)) ||
      (proto !== undefined && (typeof proto.setup === "function" || typeof proto.teardown === "function"));
    plugin = isClass
      ? new (exp as new (o: unknown) => unknown)(p.options)
      : await (exp as (o: unknown) => unknown)(p.options);
  } else {
    plugin = exp;
  }
  if (plugin === null || typeof plugin !== "object") {
    throw new MsPASSError(
      `plugin "${p.name}": export "${p.export}" of ${p.module} is not a class, factory or object (got ${typeof exp})`,
      "Invalid",
    );
  }
  return plugin as WorkerPlugin;
}

async function teardown(name: string): Promise<void> {
  const plugin = self.plugins.get(name);
  self.plugins.delete(name);
  pluginVersions.delete(name);
  if (plugin?.teardown) await plugin.teardown(self);
}

/** Set up (replacing any same-named plugin). A failed setup leaves the name unregistered here. */
async function addPlugin(p: PluginWire): Promise<void> {
  if (pluginVersions.get(p.name) === p.version) return; // already installed from the boot snapshot
  if (self.plugins.has(p.name)) await teardown(p.name);
  const plugin = await buildPlugin(p);
  try {
    if (plugin.setup) await plugin.setup(self);
  } catch (err) {
    // Undo whatever the failed setup managed to do, best effort.
    try {
      if (plugin.teardown) await plugin.teardown(self);
    } catch {
      /* the setup error is the one to report */
    }
    throw err;
  }
  self.plugins.set(p.name, plugin);
  pluginVersions.set(p.name, p.version);
}

async function teardownAll(): Promise<ErrorInfo | null> {
  let first: ErrorInfo | null = null;
  for (const name of [...self.plugins.keys()].reverse()) {
    try {
      await teardown(name);
    } catch (err) {
      first ??= serializeError(err);
    }
  }
  return first;
}

async function handleControl(m: ControlMessage): Promise<void> {
  let error: ErrorInfo | null = null;
  try {
    switch (m.t) {
      case "plugin-add":
        await addPlugin(m.plugin);
        break;
      case "plugin-remove":
        await teardown(m.name);
        break;
      case "data":
        storeData(m.id, m.value);
        break;
      case "stop":
        stopped = true;
        error = await teardownAll();
        break;
    }
  } catch (err) {
    error = serializeError(err);
  }
  post({ t: "ack", seq: m.seq, error });
}

/**
 * Move the plugin changes waiting on pluginPort into the control queue.
 * Synchronous (receiveMessageOnPort), so it works in the middle of a batch of
 * synchronous tasks, when the event loop never gets a turn to deliver them.
 */
function pullPlugins(): void {
  seenEpoch = Atomics.load(pluginEpoch, 0); // read before draining: a later bump is seen next time
  for (let r = receiveMessageOnPort(pluginPort); r !== undefined; r = receiveMessageOnPort(pluginPort)) {
    control.push(r.message as ControlMessage);
  }
}

// Idle worker: the event loop delivers plugin changes.
pluginPort.on("message", (m: ControlMessage) => {
  control.push(m);
  pullPlugins(); // anything queued behind it, in order
  if (!busy) void loop();
});

port.on("message", (m: MainToWorker) => {
  // A plugin change posted before this message is handled before it.
  if (Atomics.load(pluginEpoch, 0) !== seenEpoch) pullPlugins();
  switch (m.t) {
    case "batch":
      batches.push(m);
      break;
    case "cancel":
      for (const id of m.ids) {
        cancelled.add(id);
        self.cancelTask(id);
      }
      return;
    case "drop":
      for (const id of m.ids) store.delete(id);
      return;
    case "mem":
      post({ t: "mem", mem: memory() });
      return;
    case "stop":
      self.requestStop(); // at once, so a running task can wind down before the stop is handled
      control.push(m);
      break;
    default:
      control.push(m);
  }
  if (!busy) void loop();
});

async function loop(): Promise<void> {
  busy = true;
  try {
    while (!stopped && (control.length > 0 || batches.length > 0)) {
      if (control.length > 0) await handleControl(control.shift()!);
      else await runBatch(batches.shift()!);
    }
  } finally {
    busy = false;
  }
  if (stopped) {
    // lets the thread end on its own; the main thread terminates it after a deadline anyway
    port.close();
    pluginPort.close();
  }
}

/** Keep scattered data; its data objects are rebuilt once, and their samples never leave with a result. */
function storeData(id: number, value: unknown): void {
  const v = unpack(value);
  pinSamples(v);
  store.set(id, v);
}

function resolveRefs(args: unknown[]): unknown[] {
  const out = args.slice();
  for (let i = 0; i < out.length; i++) {
    const a = out[i];
    if (isRef(a)) out[i] = lookup(a);
    else if (Array.isArray(a) && a.some(isRef)) out[i] = a.map((x) => (isRef(x) ? lookup(x) : x));
  }
  return out;
}

function isRef(x: unknown): x is DataRef {
  return typeof x === "object" && x !== null && typeof (x as DataRef).__mspassData === "number";
}

function lookup(r: DataRef): unknown {
  if (!store.has(r.__mspassData))
    throw new MsPASSError(`scattered data ${r.__mspassData} is not on ${self.name}`, "Fatal");
  return store.get(r.__mspassData);
}

async function runBatch(b: Extract<MainToWorker, { t: "batch" }>): Promise<void> {
  if (b.defs !== null) {
    for (const d of b.defs) {
      if (fns.has(d.id)) continue;
      try {
        fns.set(d.id, await loadFn(d));
      } catch (err) {
        fns.set(d.id, failedFn(d, err));
      }
    }
  }
  if (b.data !== null) for (const [id, v] of b.data) storeData(id, v);
  const refs = b.refs === null ? null : new Set(b.refs);
  const coded = b.coded === null ? null : new Set(b.coded);

  let out: ResultsMessage = fresh();
  // Results are given up: their sample buffers are moved, not copied.
  let transfer = new Set<ArrayBuffer>();
  let flushedAt = performance.now();
  let segFn = NaN;

  const flush = (): void => {
    if (out.ids.length === 0) return;
    const now = performance.now();
    closeSegment(now);
    if (now - lastMem >= MEM_EVERY_MS) out.mem = memory();
    send(out, [...transfer]);
    // Only now: a result may hold a raw view that the post has just copied.
    self.releaseSent();
    running[1] = 0;
    out = fresh();
    transfer = new Set();
    flushedAt = now;
    segFn = NaN;
  };
  const closeSegment = (now: number): void => {
    const s = out.seg;
    if (s.length > 0 && s[s.length - 3] === -1) {
      s[s.length - 3] = out.ids.length;
      s[s.length - 1] = performance.timeOrigin + now;
    }
  };

  for (let i = 0; i < b.ids.length; i++) {
    // One shared-memory load per task: synchronous tasks never let the event
    // loop deliver a plugin change, so it is pulled from its port here.
    if (Atomics.load(pluginEpoch, 0) !== seenEpoch) pullPlugins();
    if (control.length > 0) {
      // Plugin changes and stop requests take effect before the next task.
      flush();
      while (control.length > 0 && !stopped) await handleControl(control.shift()!);
    }
    if (stopped) {
      flush();
      return; // the main thread reschedules or rejects what was not run
    }
    const id = b.ids[i];
    const fnId = b.fns[i];
    if (fnId !== segFn) {
      const now = performance.now();
      closeSegment(now);
      out.seg.push(out.ids.length, -1, performance.timeOrigin + now, 0);
      segFn = fnId;
    }
    if (cancelled.delete(id)) {
      (out.skipped ??= []).push(out.ids.length);
      out.ids.push(id);
      out.vals.push(undefined);
      running[1] = out.ids.length;
      continue;
    }
    const entry = fns.get(fnId);
    running[0] = id;
    self.beginTask(id);
    let value: unknown;
    try {
      if (entry === undefined)
        throw new MsPASSError(`internal: function ${fnId} was never sent to ${self.name}`, "Fatal");
      if (coded?.has(i)) unpackAll(b.args[i]);
      const args = refs?.has(i) ? resolveRefs(b.args[i]) : b.args[i];
      value = entry.fn.apply(undefined, args);
      if (isThenable(value)) value = await value;
      if (isTransfer(value)) {
        for (const t of value.list) if (t instanceof ArrayBuffer) transfer.add(t);
        value = value.value;
      }
      if (typeof value === "object" && value !== null) {
        const ctx = packContext("move", transfer);
        value = pack(value, ctx);
        if (ctx.count > 0) (out.coded ??= []).push(out.ids.length);
      }
    } catch (err) {
      (out.errs ??= []).push([
        out.ids.length,
        serializeError(entry ? explainReferenceError(err, entry) : err),
      ]);
      value = undefined;
    }
    running[0] = -1;
    self.endTask();
    out.ids.push(id);
    out.vals.push(value);
    running[1] = out.ids.length;
    if (performance.now() - flushedAt >= FLUSH_MS) flush();
  }
  flush();
}

function fresh(): ResultsMessage {
  return { t: "res", ids: [], vals: [], coded: null, errs: null, skipped: null, seg: [], mem: null };
}

/**
 * Post results; a value that cannot be cloned (a function, a class with
 * private state...) becomes that task's error instead of losing the batch,
 * and buffers that refuse to be moved (external ones) are copied.
 */
function send(msg: ResultsMessage, transferList: ArrayBuffer[]): void {
  try {
    post(msg, transferList.length > 0 ? transferList : undefined);
    return;
  } catch {
    /* find the culprits below */
  }
  try {
    post(msg);
    return;
  } catch {
    /* some value cannot be cloned at all */
  }
  for (let i = 0; i < msg.vals.length; i++) {
    try {
      structuredClone(msg.vals[i]);
    } catch (err) {
      msg.vals[i] = undefined;
      (msg.errs ??= []).push([
        i,
        serializeError(
          new MsPASSError(
            `the result of the task cannot be sent to the main thread: ${(err as Error).message}`,
            "Invalid",
          ),
        ),
      ]);
    }
  }
  // The main thread walks `errs` in index order (local.ts #onResults): a
  // clone error found here may belong BEFORE a task error recorded earlier.
  msg.errs?.sort((a, b) => a[0] - b[0]);
  post(msg);
}

async function start(): Promise<void> {
  busy = true;
  try {
    for (const [id, v] of boot.data) storeData(id, v);
    for (const p of boot.plugins) await addPlugin(p);
  } catch (err) {
    const error = serializeError(err);
    await teardownAll();
    post({ t: "boot-error", error });
    busy = false;
    port.close();
    pluginPort.close();
    return;
  }
  post({ t: "ready", mem: memory() });
  await loop();
}

void start();
