/**
 * Messages between the scheduler (main thread) and its worker threads.
 *
 * Tasks travel in batches and results come back in batches: one message per
 * many tasks is what keeps the per-task overhead near the cost of a single
 * structured clone rather than a full postMessage round trip.
 *
 * Workers run their tasks strictly in the order received, so results arrive
 * in dispatch order; the main thread relies on that to pair them up.
 */
import type { MessagePort } from "node:worker_threads";
import type { ErrorInfo } from "./error-transport.js";
import type { FnDef } from "./task-ref.js";

/** Built-in function ids (user functions get positive ids). */
export const FN_PARTITION = -1;
export const FN_FOLD_COMBINE = -2;
export const FN_FOLDBY_COMBINE = -3;

/** A reference to scattered data held in the worker's store. */
export interface DataRef {
  __mspassData: number;
}

export interface PluginWire {
  name: string;
  module: string;
  export: string;
  options: unknown;
  version: number;
}

/** Initial `workerData`. */
export interface WorkerBoot {
  id: number;
  name: string;
  /**
   * Float64Array view, read by the main thread after a crash: [0] id of the
   * task running now, or -1; [1] tasks finished since the last results message.
   */
  state: SharedArrayBuffer;
  plugins: PluginWire[];
  /**
   * Plugin changes (plugin-add / plugin-remove) arrive on this port, not on
   * the worker's parentPort: a worker running a batch of synchronous tasks
   * never yields to its event loop, so it pulls them with
   * receiveMessageOnPort between tasks when `pluginEpoch` changes.
   */
  pluginPort: MessagePort;
  /** Int32Array view; [0] is bumped (Atomics) after each message posted on pluginPort. */
  pluginEpoch: SharedArrayBuffer;
  /** Broadcast data to install before the first task (data objects packed, see serialize.ts). */
  data: [number, unknown][];
}

export type MainToWorker =
  | {
      t: "batch";
      ids: number[];
      fns: number[];
      args: unknown[][];
      /** Indices of tasks whose arguments contain DataRefs. */
      refs: number[] | null;
      /** Indices of tasks whose arguments contain packed data objects (serialize.ts). */
      coded: number[] | null;
      defs: FnDef[] | null;
      data: [number, unknown][] | null;
    }
  | { t: "cancel"; ids: number[] }
  | { t: "drop"; ids: number[] }
  | { t: "mem" }
  | { t: "plugin-add"; seq: number; plugin: PluginWire }
  | { t: "plugin-remove"; seq: number; name: string }
  | { t: "data"; seq: number; id: number; value: unknown }
  | { t: "stop"; seq: number };

export type ControlMessage = Extract<MainToWorker, { seq: number }>;

export interface ResultsMessage {
  t: "res";
  ids: number[];
  vals: unknown[];
  /** Indices of values containing packed data objects (serialize.ts). */
  coded: number[] | null;
  /** [index in ids, error] per failed task, SORTED by index (the main thread walks them in order). */
  errs: [number, ErrorInfo][] | null;
  /** Indices of tasks skipped because they were cancelled before starting. */
  skipped: number[] | null;
  /** Task-stream segments, flat: [firstIndex, endIndex, startMs, endMs]* (epoch ms). */
  seg: number[];
  mem: MemoryInfo | null;
}

export interface MemoryInfo {
  used: number;
  limit: number;
}

export type WorkerToMain =
  | { t: "ready"; mem: MemoryInfo }
  | { t: "boot-error"; error: ErrorInfo }
  | ResultsMessage
  | { t: "ack"; seq: number; error: ErrorInfo | null }
  | { t: "mem"; mem: MemoryInfo };
