/**
 * What the RedisScheduler's dashboard shows: the job stream (one segment
 * per finished job), the re-run count, and the state snapshot built from
 * them, the task table and the worker processes' heartbeats.
 */
import type { SchedulerState, StreamSegment } from "../front.js";
import type { RemoteWorkerInfo } from "./workers.js";

const STREAM_KEEP = 4000;

export class JobStream {
  #segments: StreamSegment[] = [];
  /** Jobs started again after their worker process was lost. */
  reruns = 0;

  push(s: StreamSegment): void {
    this.#segments.push(s);
    if (this.#segments.length > STREAM_KEEP * 2) this.#segments = this.#segments.slice(-STREAM_KEEP);
  }

  /** The segments that ended at or after `since` (the latest STREAM_KEEP). */
  since(since: number): StreamSegment[] {
    return this.#segments.filter((s) => s.end >= since).slice(-STREAM_KEEP);
  }
}

/**
 * The dashboard's snapshot. A task is "processing" here from the moment its
 * job is in Redis; what a worker runs is what the worker rows report: the
 * rest count as waiting.
 */
export function snapshot(
  started: number,
  summary: Pick<SchedulerState, "counts" | "groups">,
  workers: RemoteWorkerInfo[],
  stream: JobStream,
  since: number,
): SchedulerState {
  const running = Math.min(
    summary.counts.processing,
    workers.reduce((n, w) => n + w.processing, 0),
  );
  summary.counts.waiting += summary.counts.processing - running;
  summary.counts.processing = running;
  return {
    time: Date.now(),
    started,
    ...summary,
    workers,
    stream: stream.since(since),
    restarts: 0,
    reruns: stream.reruns,
  };
}
