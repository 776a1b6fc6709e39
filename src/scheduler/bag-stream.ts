/**
 * A bag whose partitions are produced while the job runs (a query's one
 * scan, cut as it arrives), submitted with backpressure: at most
 * `inFlightLimit(runner)` partitions are submitted and not yet settled; the
 * source is not pulled while that many are, so what waits on the main
 * thread (partitions' inputs, the source's own buffer) is bounded whatever
 * the size of the job. Each compute opens the source afresh.
 */
import { EventEmitter } from "node:events";
import type { WorkerInfo } from "./front.js";
import type { Future } from "./future.js";
import type { BagRunner } from "./inline.js";

export interface PartitionStream {
  /** What the bag reports as `npartitions` before it runs (NaN: not known until the source ends). */
  expected: number;
  /** A fresh pass over the source; each value is one partition's items. */
  open(): AsyncGenerator<unknown[], void, undefined>;
}

/** Partitions in flight per worker of the scheduler (one running, one queued behind it). */
export const IN_FLIGHT_PER_WORKER = 2;

/** What a streamed bag's submission loop reports, for whoever watches it (tests, diagnostics). */
export interface StreamProgress {
  /** Partitions submitted so far. */
  submitted: number;
  /** Submitted and not yet settled. */
  inFlight: number;
  limit: number;
}

/**
 * Emits "paused" (a StreamProgress) each time the loop stops pulling its
 * source because `limit` partitions are in flight, and "ended" when the
 * source is exhausted (or the loop stopped).
 */
export const streamEvents = new EventEmitter();

/**
 * How many partitions may be in flight on `runner` now: per worker thread
 * (a Redis worker process counts its threads; workers may join or leave
 * during a job), at least 2.
 */
export function inFlightLimit(runner: BagRunner): number {
  const threads = runner.workers().reduce((n, w) => n + threadsOf(w), 0);
  return Math.max(2, IN_FLIGHT_PER_WORKER * threads);
}

/** A Redis worker process runs `nthreads` threads; a local worker is one thread. */
function threadsOf(w: WorkerInfo): number {
  return "nthreads" in w && typeof w.nthreads === "number" ? w.nthreads : 1;
}

/**
 * Pull `stream`, submitting each partition with `submit` as it comes,
 * never more than `limit()` unsettled. Resolves with every partition's future
 * in source order once the source is exhausted. A partition that fails
 * stops the pulling (the source is closed; its failure reaches whoever
 * gathers the futures); a failing source cancels what was submitted and
 * rejects.
 */
export async function submitStream(
  stream: PartitionStream,
  submit: (partition: unknown[]) => Future<unknown[]>,
  limit: () => number,
): Promise<Future<unknown[]>[]> {
  const futures: Future<unknown[]>[] = [];
  const inFlight = new Set<Promise<void>>();
  let failed = false;
  const source = stream.open();
  const progress = (): StreamProgress => ({
    submitted: futures.length,
    inFlight: inFlight.size,
    limit: limit(),
  });
  try {
    while (!failed) {
      while (inFlight.size >= limit() && !failed) {
        streamEvents.emit("paused", progress());
        await Promise.race(inFlight);
      }
      if (failed) break;
      const next = await source.next();
      if (next.done) break;
      const f = submit(next.value);
      futures.push(f);
      const settled: Promise<void> = f.result().then(
        () => {
          inFlight.delete(settled);
        },
        () => {
          inFlight.delete(settled);
          failed = true;
        },
      );
      inFlight.add(settled);
    }
  } catch (err) {
    for (const f of futures) f.cancel();
    throw err;
  } finally {
    await source.return();
    streamEvents.emit("ended", progress());
  }
  return futures;
}
