/**
 * The channel collection the miniSEED benchmarks normalize against: 1,000
 * channel epochs, STATIONS stations (net XX, S000...) × CHANS × 2 epochs
 * split at EPOCH_SPLIT (epoch 1: [1.5e9, 1.6e9), epoch 2: [1.6e9, 2.556144e9]).
 */
import type { Document } from "mongodb";

export const STATIONS = 250;
export const CHANS = ["BHZ", "BHN"];
export const EPOCH_SPLIT = 1.6e9;

export function channelEpochs(): Document[] {
  const out: Document[] = [];
  for (let s = 0; s < STATIONS; s++) {
    for (const chan of CHANS) {
      for (const [starttime, endtime] of [
        [1.5e9, EPOCH_SPLIT - 1],
        [EPOCH_SPLIT, 2556144000.0],
      ]) {
        out.push({
          net: "XX",
          sta: `S${String(s).padStart(3, "0")}`,
          loc: "",
          chan,
          lat: s * 0.1,
          lon: s * 0.2,
          elev: 0.1,
          edepth: 0,
          hang: 0,
          vang: chan === "BHZ" ? 0 : 90,
          starttime,
          endtime,
        });
      }
    }
  }
  return out;
}
