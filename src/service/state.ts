/**
 * The state file of the server mspass started (`.mspass/db.json`). Liveness
 * checks and the start/stop lock are in processes.ts.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** Which program serves the database. */
export type DatabaseServerKind = "mongod" | "ferretdb";

/** What `.mspass/db.json` records about a server mspass started. */
export interface DatabaseServerState {
  kind: DatabaseServerKind;
  pid: number;
  /** 127.0.0.1 port the server listens on. */
  port: number;
  /** `mongodb://127.0.0.1:<port>/` */
  uri: string;
  /** Absolute data directory. */
  dataDir: string;
  /** The server's stdout/stderr. */
  logFile: string;
  /** Executable that was started; checked against /proc to detect pid reuse. */
  command: string;
  /** ISO time of the start. */
  startedAt: string;
  /**
   * The project directory that started it. A copied project directory holds
   * a copy of this file: the server it names belongs to the original.
   */
  projectDir?: string;
}

export function readState(file: string): DatabaseServerState | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as Partial<DatabaseServerState>;
    if (
      typeof s.pid === "number" &&
      typeof s.port === "number" &&
      typeof s.uri === "string" &&
      (s.kind === "mongod" || s.kind === "ferretdb")
    ) {
      return s as DatabaseServerState;
    }
  } catch {
    // fall through: a torn or foreign file is treated as no state
  }
  return undefined;
}

/** Write atomically (temp file + rename) so a reader never sees half a file. */
export function writeState(file: string, state: DatabaseServerState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  renameSync(tmp, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}
