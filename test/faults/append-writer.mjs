// One writer process of the cross-process append test: writes `count`
// TimeSeries whose samples encode (writer, k) into ONE dir/dfile shared with
// the other writer, by saveData (4 calls in flight) or writeDistributedData
// (the data carry their dfile, as data read from a file-mode database do),
// or saveData as miniSEED ("mseed": integer samples, so Steim2 keeps them exact).
// argv: uri dbName dir dfile writer count how
import { Client, TimeSeries, fromSequence, task, writeDistributedData } from "mspass";

export const NPTS = 20_000;

/** The datum of (writer w, number k): its samples say who wrote it. */
export function make({ w, k, dir, dfile }) {
  const data = new Float64Array(NPTS);
  for (let i = 0; i < NPTS; i++) data[i] = w * 1e9 + k * 1e5 + i;
  // A channel code, so the datum can also be saved as miniSEED.
  return new TimeSeries({
    dt: 0.01,
    data,
    metadata: { writer: w, k, dir, dfile, sta: `W${w}`, chan: "HHZ" },
  });
}

if (process.argv.length > 2) {
  const [uri, dbName, dir, dfile, writer, count, how] = process.argv.slice(2);
  const specs = Array.from({ length: Number(count) }, (_, k) => ({ w: Number(writer), k, dir, dfile }));
  const distributed = how === "distributed";
  const client = await Client.connect({
    databaseHost: uri,
    scheduler: distributed ? "local" : "none",
    ...(distributed ? { nworkers: 2 } : {}),
  });
  try {
    const db = client.getDatabase(dbName);
    if (distributed) {
      const bag = fromSequence(specs, { npartitions: 8 }).map(task(import.meta.url, "make"));
      const ids = await writeDistributedData(bag, db, { storageMode: "file" });
      if (ids.length !== specs.length) throw new Error(`got ${ids.length} ids`);
    } else {
      const format = how === "mseed" ? { format: "mseed" } : {};
      let next = 0;
      const lane = async () => {
        while (next < specs.length)
          await db.saveData(make(specs[next++]), { storageMode: "file", dir, dfile, ...format });
      };
      await Promise.all([lane(), lane(), lane(), lane()]);
    }
  } finally {
    await client.close();
  }
}
