// Bag stages for test/faults-write.test.ts, run in the workers.
// `make` builds the datum of number k; `armBadDatum` makes the write of the
// partition holding k === BAD throw just before its wf insert (after its
// samples are stored), every time it runs: a deterministic job-level failure
// inside writeDistributedData's pipeline.
import { TimeSeries } from "mspass";
import { partitionHooks } from "../../dist/parallel/write-task.js";

export const BAD = 13;
let armed = false;

export function make(k) {
  const data = new Float64Array(100);
  for (let i = 0; i < 100; i++) data[i] = k * 1000 + i;
  return new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, data, metadata: { k } });
}

export function armBadDatum(d) {
  if (d.md.get("k") === BAD) armed = true;
  partitionHooks.beforeWfInsert = () => {
    if (armed) {
      armed = false;
      throw new Error(`bad datum ${BAD}`);
    }
  };
  return d;
}
