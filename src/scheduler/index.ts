/**
 * The local scheduler's public surface (re-exported by src/index.ts).
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
