/**
 * Corrupted miniSEED: one bit flipped in the Steim-1 data frames of a real
 * 10-record file (obspy's test fixture), at 60 seeded positions. Every read
 * gives a datum; a datum whose samples differ from the intact file's must
 * carry an elog entry (the Steim integrity check: last reconstructed sample
 * vs the frame's reverse integration constant, as libmseed and obspy check)
 * or be dead. It stays live with a Complaint, as obspy returns the samples
 * with a warning.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./helpers.js";
import type { TimeSeriesEnsemble } from "mspass";

const FIXTURE = join(
  import.meta.dirname,
  "fixtures",
  "miniseed",
  "BW.BGLD.__.EHE.D.2008.001.first_10_records",
);
const RECLEN = 512;
const DATA_OFFSET = 64; // this file's records: 48-byte header, blockette 1000, data from byte 64
const { db } = await useTestDatabase("faults_mseed");

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function readAll(dir: string, dfile: string): Promise<TimeSeriesEnsemble> {
  await db.indexMseedFile(join(dir, dfile), { dir });
  return (await db.readData(db.wf_miniseed.find({ dfile }).sort({ foff: 1 }), {
    collection: "wf_miniseed",
  })) as TimeSeriesEnsemble;
}

describe("bit-flipped Steim frames", () => {
  it("altered samples never come back live without an elog entry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mspass-faults-mseed-"));
    try {
      const intact = readFileSync(FIXTURE);
      writeFileSync(join(dir, "intact.mseed"), intact);
      const ref = await readAll(dir, "intact.mseed");
      expect(ref.member.every((m) => m.live && m.elog.entries.length === 0)).toBe(true);
      const want = ref.member.map((m) => Array.from(m.data));
      const rnd = prng(6);
      const tally = { unchanged: 0, flagged: 0, dead: 0, silent: 0 };
      for (let k = 0; k < 60; k++) {
        const rec = Math.floor(rnd() * (intact.length / RECLEN));
        const at = rec * RECLEN + DATA_OFFSET + Math.floor(rnd() * (RECLEN - DATA_OFFSET));
        const bytes = Buffer.from(intact);
        bytes[at]! ^= 1 << Math.floor(rnd() * 8);
        const dfile = `flip-${k}.mseed`;
        writeFileSync(join(dir, dfile), bytes);
        const ens = await readAll(dir, dfile);
        ens.member.forEach((m, i) => {
          const same =
            m.live &&
            i < want.length &&
            m.data.length === want[i]!.length &&
            m.data.every((v, j) => v === want[i]![j]);
          if (!m.live) {
            expect(m.elog.entries.length).toBeGreaterThan(0);
            tally.dead++;
          } else if (m.elog.entries.some((e) => /Steim integrity check/.test(e.message))) tally.flagged++;
          else if (same) tally.unchanged++;
          else tally.silent++;
        });
      }
      console.log(`bit-flipped Steim-1 records: ${JSON.stringify(tally)}`);
      expect(tally.silent).toBe(0);
      expect(tally.flagged).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
