/**
 * A worker counts each partition's sample buffer in V8's external memory
 * (twice more than V8 itself does) until the buffer is collected, so V8
 * collects dead partitions sooner; the extra count goes away with the buffer.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { native } from "../dist/native.js";
import { EXTRA_COUNT_PER_BYTE, countRead } from "../dist/parallel/worker-memory.js";

/** V8's external memory total (an adjustment by 0 reads it). */
const external = () => native.adjustExternalMemory(0);

function collector(): () => void {
  setFlagsFromString("--expose-gc");
  try {
    return runInNewContext("gc") as () => void;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}

describe("worker memory accounting", () => {
  it("counts a buffer once, however many data view it", () => {
    const buf = new ArrayBuffer(1 << 20);
    const before = external();
    countRead([buf, buf, new Float64Array(buf, 8, 16).buffer]);
    expect(external() - before).toBe(EXTRA_COUNT_PER_BYTE * (1 << 20));
    countRead([buf]);
    expect(external() - before).toBe(EXTRA_COUNT_PER_BYTE * (1 << 20));
  });

  it("takes the extra count back when the buffer is collected", async () => {
    const gc = collector();
    let buf: ArrayBuffer | null = new ArrayBuffer(4 << 20);
    const before = external();
    countRead([buf]);
    const extra = EXTRA_COUNT_PER_BYTE * (4 << 20);
    expect(external() - before).toBe(extra);
    buf = null;
    // Finalization callbacks run on a later turn after the collection.
    for (let i = 0; i < 100 && external() > before; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    // Without the take-back it would stay above `before` by extra less the buffer's own bytes.
    expect(external()).toBeLessThanOrEqual(before);
  });

  it("ignores empty and shared buffers", () => {
    const before = external();
    countRead([new ArrayBuffer(0), new SharedArrayBuffer(1024)]);
    expect(external()).toBe(before);
  });
});
