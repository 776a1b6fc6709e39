/**
 * A throw-away database server: the service's own starter
 * (`startDatabaseServer`) with a temporary project directory and a free
 * loopback port, removed again by `stop()`. The ONE starter that the test
 * suite's global setup, `npm test` (scripts/test.mjs) and the benchmarks
 * (bench/throwaway-server.ts, `npm run bench`) use, so a fix to how the
 * server is started, waited for or stopped lands everywhere at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDatabaseServer, stopDatabaseServer } from "./server.js";
import type { DatabaseEngine } from "./engines.js";

export interface ThrowawayDatabaseServer {
  /** mongodb://127.0.0.1:<port>/ */
  uri: string;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s) and delete its data. Idempotent. */
  stop(): Promise<void>;
}

export interface ThrowawayDatabaseServerOptions {
  /** Part of the temporary directory's name, to tell runs apart. */
  label?: string;
  /** Default "ferretdb" (what the suite and the benchmarks are measured on); "auto" or "mongod" to choose. */
  engine?: DatabaseEngine;
  /** How long the server has to answer (default 30 s). */
  startTimeoutMS?: number;
}

export async function startThrowawayDatabaseServer(
  options: ThrowawayDatabaseServerOptions = {},
): Promise<ThrowawayDatabaseServer> {
  const projectDir = mkdtempSync(join(tmpdir(), `mspass-${options.label ?? "throwaway"}-`));
  // The environment must not point the service elsewhere (a user's
  // MSPASS_PROJECT_DIR or port): the throw-away server is ours alone.
  const env = { ...process.env };
  delete env.MSPASS_PROJECT_DIR;
  let started;
  try {
    started = await startDatabaseServer({
      projectDir,
      env,
      port: 0,
      engine: options.engine ?? "ferretdb",
      ...(options.startTimeoutMS === undefined ? {} : { startTimeoutMS: options.startTimeoutMS }),
    });
  } catch (err) {
    rmSync(projectDir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    uri: started.uri,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await stopDatabaseServer({ projectDir, env, stopTimeoutMS: 10_000 });
        } finally {
          rmSync(projectDir, { recursive: true, force: true });
        }
      })()),
  };
}
