/**
 * Which database does a Client use when the user names none? MsPASS assumes a
 * MongoDB-API server is running; mspass finds or starts one (the "embedded
 * default"), in this order:
 *
 * 1. an explicit address — the `databaseHost` argument, else MSPASS_DB_ADDRESS
 *    — returned exactly as given (the Client parses and validates it);
 * 2. the server this project started (recorded in `<projectDir>/.mspass/db.json`,
 *    by `mspass db start` or an earlier Client), on whatever port, if it runs
 *    and answers: a stranger on the default port must never take its place;
 * 3. a MongoDB-API server already answering `ping` on 127.0.0.1 at the default
 *    port (MONGODB_PORT, else 27017) — the result says so (`source:
 *    "default-port"`), and `Client.connect` prints it;
 * 4. else a new server started by mspass: `mongod` if it is on PATH, else the
 *    embedded FerretDB, with data under `<projectDir>/.mspass/db/`, on the
 *    default port. It keeps running after the process exits
 *    (`mspass db stop` stops it).
 *
 * If the default port is held by something that does not speak MongoDB,
 * that is an error: mspass neither uses it nor picks another port silently.
 */
import { MsPASSError } from "../errors.js";
import type { DatabaseEngine } from "./engines.js";
import { defaultServicePort } from "./paths.js";
import { probeMongo } from "./probe.js";
import { projectDatabaseServer, startDatabaseServer } from "./server.js";

export interface ResolveDatabaseServiceOptions {
  /** The Client's `databaseHost` argument; wins over everything. */
  databaseHost?: string | null;
  /** Environment for MSPASS_DB_ADDRESS, MONGODB_PORT, MSPASS_PROJECT_DIR and PATH (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Directory holding `.mspass/` (default MSPASS_PROJECT_DIR, else the current directory). */
  projectDir?: string;
  /** Bounds the probe of the default port (the probe uses at most 3 s of it). Default 10 s. */
  serverSelectionTimeoutMS?: number;
  /** Port probed and used for a new server (default MONGODB_PORT, else 27017). For tests and CI. */
  defaultPort?: number;
  /** Program to start if one is needed (default "auto": mongod on PATH, else FerretDB). */
  engine?: DatabaseEngine;
}

export interface ResolvedDatabaseService {
  /** The address to connect to: as given for "argument"/"env", else `mongodb://127.0.0.1:<port>/`. */
  uri: string;
  /**
   * Where it came from: the argument, MSPASS_DB_ADDRESS, a server this project
   * did not start found on the default port, or the server this project
   * started (now or earlier) — by kind.
   */
  source: "argument" | "env" | "default-port" | "mongod" | "ferretdb";
  /** True if this call started a new server process. */
  started: boolean;
}

/**
 * Find or start the database service a Client should connect to (see the
 * module comment for the order). Fails with a Fatal MsPASSError when the
 * default port is taken by a non-MongoDB program, the data directory cannot
 * be written, the FerretDB build fails or the server does not come up.
 */
export async function resolveDatabaseService(
  opts: ResolveDatabaseServiceOptions = {},
): Promise<ResolvedDatabaseService> {
  const env = opts.env ?? process.env;
  if (opts.databaseHost !== undefined && opts.databaseHost !== null) {
    return { uri: opts.databaseHost, source: "argument", started: false };
  }
  const fromEnv = env.MSPASS_DB_ADDRESS;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return { uri: fromEnv, source: "env", started: false };
  return ensureDatabaseService({ ...opts, env, port: opts.defaultPort });
}

export interface EnsureDatabaseServiceOptions {
  /** Directory holding `.mspass/` (default MSPASS_PROJECT_DIR, else the current directory). */
  projectDir?: string;
  /** Environment for MONGODB_PORT, MSPASS_PROJECT_DIR and PATH (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Port probed and used for a new server (default MONGODB_PORT, else 27017). */
  port?: number;
  /** Bounds the probe of the port (the probe uses at most 3 s of it). Default 10 s. */
  serverSelectionTimeoutMS?: number;
  /** Program to start if one is needed (default "auto": mongod on PATH, else FerretDB). */
  engine?: DatabaseEngine;
}

/**
 * Steps 2 to 4 of the order above, for a caller that has already ruled out
 * an explicit address (as `Client.connect` does after parsing it): the server
 * this project started, else the MongoDB-API server answering on
 * 127.0.0.1:`port`, else a new one.
 */
export async function ensureDatabaseService(
  opts: EnsureDatabaseServiceOptions = {},
): Promise<ResolvedDatabaseService> {
  const env = opts.env ?? process.env;
  const port = defaultServicePort(opts.port, env);
  const own = await projectDatabaseServer({ projectDir: opts.projectDir, env });
  if (own) return { uri: own.uri, source: own.kind, started: false };
  const probeMS = Math.min(opts.serverSelectionTimeoutMS ?? 10_000, 3000);
  const found = await probeMongo("127.0.0.1", port, probeMS);
  if (found === "mongodb")
    return { uri: `mongodb://127.0.0.1:${port}/`, source: "default-port", started: false };
  if (found === "other") {
    throw new MsPASSError(
      `port ${port} on 127.0.0.1 is in use by something that is not a MongoDB server; ` +
        "set MSPASS_DB_ADDRESS (or pass databaseHost) to your database, or MONGODB_PORT to use another port",
      "Fatal",
    );
  }
  const server = await startDatabaseServer({
    projectDir: opts.projectDir,
    env,
    defaultPort: port,
    engine: opts.engine,
  });
  return { uri: server.uri, source: server.kind, started: server.started };
}
