/**
 * A throw-away FerretDB for a benchmark run: the service's own throw-away
 * starter (src/service/throwaway.ts: a temporary project directory, a free
 * loopback port), or the server named by MSPASS_BENCH_DB_URI (then `stop`
 * leaves it alone).
 */
import { startThrowawayDatabaseServer } from "mspass/testing";

export interface ThrowawayServer {
  uri: string;
  stop(): Promise<void>;
}

export async function startThrowawayServer(label: string): Promise<ThrowawayServer> {
  const given = process.env.MSPASS_BENCH_DB_URI;
  if (given) return { uri: given, stop: async () => {} };
  return startThrowawayDatabaseServer({ label: `bench-${label}` });
}
