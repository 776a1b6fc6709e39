/**
 * How a worker gives back, between partitions, the memory of the ones it
 * has finished.
 *
 * A partition's samples live in one large buffer from the core (one mapping
 * of its page-backed allocator). Left to the garbage collector, that buffer
 * goes back only when V8 next collects, and V8 does not collect for memory
 * held outside its heap until that has grown by some 64 MB since the last
 * collection: a worker running partition after partition carried up to four
 * dead ones, and a job's peak RSS grew with the number of partitions it ran
 * (bench/RESULTS.md, "Memory flat between partitions"). Counting the buffers
 * more than once in V8's external memory made V8 collect sooner, but each
 * collection cost time (the trade is measured there too).
 *
 * So the read hands the buffer to the task: it is released (detached, its
 * mapping unmapped) as soon as the partition's results have left the worker
 * (SchedulerWorker.releaseAfterTask). A partition's pipeline runs on the
 * worker that read it and its results are sent, copied or moved, before the
 * release, so nothing of ours still sees the samples. On the calling thread
 * (`scheduler: "none"`) the data are the results themselves and are left to
 * the collector.
 */
import { getWorker, inSchedulerWorker } from "../scheduler/worker-context.js";
import { native } from "../native.js";

/** Release the sample buffers a read brought in once the running task's results are sent. */
export function releaseWithTask(buffers: Iterable<ArrayBufferLike>): void {
  if (!inSchedulerWorker()) return;
  const w = getWorker();
  // The members of one read share one buffer: hand it over once.
  for (const b of new Set(buffers)) w.releaseAfterTask(b);
}

/** Call before a partition's read: what the allocator holds free goes back to the system. */
export function releaseBeforeRead(): void {
  native.trimAllocator();
}
