/** I/O task for bench/redis.bench.ts: one findOne through the worker's pooled handle. */
import { fetchDbhandle } from "mspass";

export async function findProbe(dbName: string): Promise<number> {
  const doc = await fetchDbhandle(dbName).collection("probe").findOne({ k: 1 });
  return (doc?.k as number | undefined) ?? 0;
}
