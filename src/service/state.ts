/**
 * The state file of the server mspass started (`.mspass/db.json`), process
 * liveness checks, and the lock that serialises starts and stops from several
 * processes (e.g. test workers all calling `Client.connect` at once).
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename } from "node:path";
import { MsPASSError } from "../errors.js";
import { sleep } from "../option-checks.js";

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

/** Linux process state letter from /proc/<pid>/stat, or undefined if unreadable. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) S ..." — comm may contain spaces/parens, so split after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is a live process (zombies count as dead: a server stopped
 * by a process that has not reaped it yet is gone). With `command`, the
 * process must also be running that executable, so a pid reused by an
 * unrelated program after a reboot or crash is not mistaken for our server.
 */
export function processAlive(pid: number, command?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it belongs to another user, so it is not our server.
    return false;
  }
  const st = procState(pid);
  if (st === "Z" || st === "X") return false;
  if (command) {
    try {
      // Any argument naming the program counts, so a wrapper script
      // (`/bin/sh /usr/bin/mongod ...`) is still recognised.
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (!argv.some((a) => basename(a) === basename(command))) return false;
    } catch {
      // no /proc (not Linux): trust kill(pid, 0)
    }
  }
  return true;
}

/**
 * Run `fn` holding `lockFile` (created exclusively, containing our pid). A lock
 * left by a dead process is broken. Waits up to `waitMS` for a live holder.
 */
export async function withLock<T>(lockFile: string, waitMS: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMS;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockFile, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new MsPASSError(
          `cannot create the lock file ${lockFile}: ${(err as Error).message}; ` +
            "make the directory writable or choose another project directory (--project-dir or MSPASS_PROJECT_DIR)",
          "Fatal",
        );
      }
    }
    if (fd !== undefined) {
      writeSync(fd, String(process.pid));
      closeSync(fd);
      try {
        return await fn();
      } finally {
        rmSync(lockFile, { force: true });
      }
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(lockFile, "utf8").trim());
    } catch {
      continue; // released between our open and read: try again
    }
    // An empty file means the holder is between open and write: wait for it.
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new MsPASSError(
        `another mspass process (pid ${holder}) has been starting or stopping the database server for ` +
          `${Math.round(waitMS / 1000)} s; wait for it, or remove ${lockFile} if that process is stuck`,
        "Fatal",
      );
    }
    await sleep(100);
  }
}
