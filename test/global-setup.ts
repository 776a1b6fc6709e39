/**
 * Gives the whole suite one real MongoDB-API server.
 *
 * If MSPASS_TEST_DB_URI is set (as `npm test` / .ci/run do) it is used as is.
 * Otherwise the service's throw-away starter (src/service/throwaway.ts, the
 * same one scripts/test.mjs and the benchmarks use) runs a FerretDB (built by
 * `npm run build:ferretdb` into .bin/) on a free loopback port with a
 * temporary data directory, stopped when the suite ends.
 */
import { startThrowawayDatabaseServer, type ThrowawayDatabaseServer } from "../dist/service/throwaway.js";

let server: ThrowawayDatabaseServer | undefined;

export async function setup(): Promise<void> {
  if (process.env.MSPASS_TEST_DB_URI) return;
  server = await startThrowawayDatabaseServer({ label: "test-db" });
  process.env.MSPASS_TEST_DB_URI = server.uri;
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
