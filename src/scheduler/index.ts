/**
 * The local scheduler's public surface (re-exported by src/index.ts).
 *
 * ```ts
 * import { LocalScheduler, fromSequence, task, taskOptions } from "mspass";
 *
 * const s = await LocalScheduler.start({ nworkers: 4, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
 * console.log(s.dashboardLink);                       // http://127.0.0.1:8787/status
 *
 * // an exported function: the worker imports this module and calls the export
 * const process = task<typeof processOne>(import.meta.url, "processOne");
 * const futures = s.map(process, ids, { retries: 2, progress: true });
 * const results = await s.gather(futures, { errors: "skip" });
 *
 * // a self-contained function, sent as source (no closures)
 * const f = s.submit((a: number, b: number) => a + b, 1, 2, taskOptions({ priority: 5 }));
 *
 * // a bag pipeline: partitions run on the workers, results come back in order
 * const total = await fromSequence(ids, { npartitions: 32 }).map(process).fold((a, b) => a + b).compute();
 *
 * // a worker plugin, built in every worker (now and after restarts)
 * await s.registerPlugin({ module: import.meta.url, export: "DbPlugin", options: { uri } }, { name: "db" });
 * // ...task code reaches it with getWorker().data.get("db")
 *
 * await s.close();
 * ```
 */
export { LocalScheduler, WorkerDiedError } from "./local.js";
export type {
  LocalSchedulerOptions,
  MapOptions,
  SchedulerGatherOptions,
  ScatterOptions,
  SchedulerState,
  WorkerInfo,
} from "./local.js";
export { Future, CancelledError } from "./future.js";
export type { FutureStatus, TaskGroup } from "./future.js";
export { AsCompleted } from "./futures-ops.js";
export type { GatherOptions, WaitOptions, WaitResult } from "./futures-ops.js";
export { Bag, BagItem, fromSequence } from "./bag.js";
export type { ComputeOptions, FromSequenceOptions } from "./bag.js";
export { task, taskOptions, transfer } from "./task-ref.js";
export type { TaskRef, TaskFn, SubmitOptions, Transfer } from "./task-ref.js";
export { getWorker, SchedulerWorker } from "./worker-context.js";
export type { WorkerPlugin, PluginSpec, RegisterPluginOptions } from "./worker-context.js";
export { progress, ProgressBar } from "./progress.js";
export type { ProgressOptions, ProgressStream, ProgressOption } from "./progress.js";
