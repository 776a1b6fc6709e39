/**
 * Where the database service keeps its files, and which port it uses by default.
 *
 * Everything lives under `<projectDir>/.mspass/`:
 * - `db/`      the server's data (FerretDB's SQLite files or mongod's dbpath),
 * - `db.json`  the state file of the server mspass started (pid, port, URI, kind),
 * - `db.log`   the server's stdout/stderr,
 * - `db.lock`  held while a start or stop is in progress,
 * - `db.uri`   written by the FerretDB runner once it listens.
 *
 * The project directory is, in order: the `projectDir` option (CLI
 * `--project-dir`), the `MSPASS_PROJECT_DIR` environment variable, the current
 * working directory. (`MSPASS_HOME` is not used: MsPASS already gives it
 * another meaning, the location of its schema files.)
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MsPASSError } from "../errors.js";

/** MongoDB's conventional port, used when MONGODB_PORT is not set. */
export const MONGODB_DEFAULT_PORT = 27017;

export interface ServicePaths {
  projectDir: string;
  /** `<projectDir>/.mspass` */
  stateDir: string;
  /** default data directory, `<projectDir>/.mspass/db` */
  dataDir: string;
  stateFile: string;
  logFile: string;
  lockFile: string;
  uriFile: string;
}

export function resolveProjectDir(projectDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (projectDir !== undefined && projectDir !== "") return resolve(projectDir);
  const fromEnv = env.MSPASS_PROJECT_DIR;
  if (fromEnv) return resolve(fromEnv);
  return process.cwd();
}

export function servicePaths(projectDir?: string, env: NodeJS.ProcessEnv = process.env): ServicePaths {
  const root = resolveProjectDir(projectDir, env);
  const stateDir = join(root, ".mspass");
  return {
    projectDir: root,
    stateDir,
    dataDir: join(stateDir, "db"),
    stateFile: join(stateDir, "db.json"),
    logFile: join(stateDir, "db.log"),
    lockFile: join(stateDir, "db.lock"),
    uriFile: join(stateDir, "db.uri"),
  };
}

/**
 * Validate a TCP port given by `source` (an option or variable name, used in
 * the message). `allowZero` admits 0, meaning "pick a free port".
 */
export function checkPort(value: unknown, source: string, allowZero = false): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) {
    throw new MsPASSError(
      `${source} must be an integer port between ${allowZero ? 0 : 1} and 65535, got ${JSON.stringify(value)}`,
      "Invalid",
    );
  }
  return n;
}

/**
 * The port a local server is probed on and started on when none is given:
 * `defaultPort` if passed, else MONGODB_PORT (as MsPASS appends it to a
 * host without a port), else 27017.
 */
export function defaultServicePort(defaultPort?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (defaultPort !== undefined) return checkPort(defaultPort, "defaultPort");
  const fromEnv = env.MONGODB_PORT;
  if (fromEnv !== undefined && fromEnv !== "") return checkPort(fromEnv, "MONGODB_PORT");
  return MONGODB_DEFAULT_PORT;
}

/** Root of the installed mspass package (dist/service/ -> ../..). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}
