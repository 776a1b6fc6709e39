/**
 * How a worker gives back, between partitions, what earlier ones freed.
 *
 * A partition's samples live in one large buffer that goes back to the
 * system (the core's page-backed allocator) when the garbage collector
 * finds it unreachable. V8 starts a collection once its count of external
 * memory has grown by a fixed budget (64 MB) since the last one, so a
 * worker that runs partition after partition carried up to four dead
 * partitions at its peaks, and a job's peak RSS grew with the number of
 * partitions it ran, not with their size. Counting each partition's samples
 * twice in V8's external memory (until the buffer is collected) makes V8
 * start its own, incremental collection after about half as many
 * (bench/memory-scaling.bench.ts and bench/RESULTS.md: 2,000 → 20,000
 * documents, peak RSS 1.33–1.5× without, 1.16–1.25× with). Each collection
 * costs time, so the count is a trade: three times did better for memory
 * (1.17×) but made the 4,000 × 10,000-sample job 10–17 % slower, twice about
 * 8 %; counting a partition only once it had ended did worse for memory. A
 * forced full collection (`gc()`) per partition was tried too: it flushes
 * compiled code and cost a quarter of the job's time.
 */
import { native } from "../native.js";

/** Extra bytes counted per sample byte read, until the sample buffer is collected. */
export const EXTRA_COUNT_PER_BYTE = 1;

const counted = new WeakSet<ArrayBuffer>();
const uncount = new FinalizationRegistry<number>((bytes) => native.adjustExternalMemory(-bytes));

/** Count the sample buffers a read brought in (each buffer once, however many data view it). */
export function countRead(buffers: Iterable<ArrayBufferLike>): void {
  for (const b of buffers) {
    if (!(b instanceof ArrayBuffer) || counted.has(b) || b.byteLength === 0) continue;
    counted.add(b);
    const extra = EXTRA_COUNT_PER_BYTE * b.byteLength;
    native.adjustExternalMemory(extra);
    uncount.register(b, extra);
  }
}

/** Call before a partition's read: what the allocator holds free goes back to the system. */
export function releaseBeforeRead(): void {
  native.trimAllocator();
}
