// Client.connect() with the local scheduler from a process started with
// V8 / per-process Node options, then one task on a worker. argv: uri
import { Client, task } from "mspass";

export function addOne(x) {
  return x + 1;
}

if (process.argv[2]) {
  const client = await Client.connect({ databaseHost: process.argv[2], scheduler: "local", nworkers: 1 });
  try {
    const r = await client
      .getScheduler()
      .submit(task(import.meta.url, "addOne"), 41)
      .result();
    console.log(`result ${r}`);
  } finally {
    await client.close();
  }
}
