// Bag stages for test/faults-write-datum.test.ts, run in the workers. `make`
// builds the datum of number k, into `dir`; two of them cannot be saved:
// BAD_MD carries a Metadata value BSON cannot encode (an object that holds
// itself), BAD_FILE's Metadata `dir` lies under a regular file, so in file
// mode its sample file cannot be created.
import { join } from "node:path";
import { TimeSeries } from "mspass";

export const BAD_MD = 13;
export const BAD_FILE = 27;
export const NOT_A_DIR = "not-a-dir";

export function make({ k, dir }) {
  const data = new Float64Array(100);
  for (let i = 0; i < 100; i++) data[i] = k * 1000 + i;
  const d = new TimeSeries({
    dt: 0.01,
    t0: 1.6e9 + k,
    data,
    metadata: { k, dir: k === BAD_FILE ? join(dir, NOT_A_DIR, "sub") : dir },
  });
  if (k === BAD_MD) {
    const loop = { name: "loop" };
    loop.self = loop;
    d.md.put("loop", loop);
  }
  return d;
}
