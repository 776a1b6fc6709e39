// The client of the multi-host test, run on "host 0" (inside its network
// namespace when there is one): connects to the database and Redis there,
// saves N waveforms, runs read → slowDemean → writeDistributedData on the
// workers of the other hosts, and answers the test over stdin/stdout:
//   stdout "saved"            data written, about to start the job
//   stdout "done <json>"      the job's outcome
//   stdin  "verify"  → stdout "verified <json>"  counts read back now
//   stdin  "quit"    → exits
import { createInterface } from "node:readline";
import { Client, TimeSeries, readDistributedData, task, writeDistributedData } from "../../dist/index.js";

const [dbUri, redisUrl, dbName, nText, tasksUrl] = process.argv.slice(2);
const N = Number(nText);
const client = await Client.connect({
  databaseHost: dbUri,
  scheduler: "redis",
  schedulerHost: redisUrl,
  dashboardPort: false,
});
const s = client.getScheduler();
const d = client.getDatabase(dbName);
await d.dropDatabase();
for (let k = 0; k < N; k++) {
  const data = new Float64Array(50);
  for (let i = 0; i < 50; i++) data[i] = k + Math.sin(i / 3);
  await d.saveData(new TimeSeries({ dt: 0.01, t0: 1.6e9 + k, tref: "UTC", data, metadata: { k } }), {
    dataTag: "in",
  });
}
await s.waitForWorkers(Number(process.env.NETNS_WORKERS ?? 3));
const hosts = s.workers().map((w) => w.address);
process.stdout.write("saved\n");
let outcome;
try {
  const bag = (
    await readDistributedData(d, { dataTag: "in", npartitions: Number(process.env.NETNS_PARTITIONS ?? 12) })
  ).map(task(tasksUrl, "slowDemean"));
  const ids = await writeDistributedData(bag, d, { dataTag: "out", scheduler: s, retries: 1 });
  outcome = {
    ok: true,
    n: ids.length,
    nulls: ids.filter((x) => x === null).length,
    reruns: s.state().reruns,
    hosts,
  };
} catch (err) {
  outcome = { ok: false, error: String(err?.message ?? err) };
}
process.stdout.write(`done ${JSON.stringify(outcome)}\n`);

async function verify() {
  const out = await d.wf_TimeSeries.find({ data_tag: "out" }).toArray();
  const files = await d.collection("fs.files").countDocuments({});
  const chunks = await d.collection("fs.chunks").countDocuments({});
  const ks = out.map((x) => x.k).sort((a, b) => a - b);
  return {
    wf: out.length,
    distinctK: new Set(ks).size,
    files,
    chunks,
    workers: s.workers().map((w) => w.address),
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "verify") process.stdout.write(`verified ${JSON.stringify(await verify())}\n`);
  if (line === "quit") break;
}
await d.dropDatabase();
await client.close();
process.exit(0);
