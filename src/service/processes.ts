/**
 * The process toolkit of the services mspass starts (the database server,
 * Redis, the launchers' services): is a process still ours and alive, stop
 * it (SIGTERM, a deadline, SIGKILL), what it wrote to its log, and the lock
 * file that serialises starts and stops across processes.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { basename } from "node:path";
import { MsPASSError } from "../errors.js";
import { sleep } from "../option-checks.js";

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
 * unrelated program after a reboot or crash is not mistaken for ours: one of
 * its arguments names the program (a wrapper such as `/bin/sh /usr/bin/mongod`
 * counts), or its first argument starts with the program's name followed by a
 * space (servers that rewrite their title: "redis-server 127.0.0.1:6379").
 */
export function processAlive(pid: number, command?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it belongs to another user, so it is not ours.
    return false;
  }
  const st = procState(pid);
  if (st === "Z" || st === "X") return false;
  if (command) {
    const name = basename(command);
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const names = (a: string) => basename(a) === name || basename(a).startsWith(`${name} `);
      if (!argv.some(names)) return false;
    } catch {
      // no /proc (not Linux): trust kill(pid, 0)
    }
  }
  return true;
}

/** After SIGKILL the kernel still needs a moment to reap the group. */
const KILL_GRACE_MS = 5000;

/**
 * Signal the process group `pid` leads (a wrapper script and the program it
 * runs both get the signal); falls back to the pid alone.
 */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // exited in between
    }
  }
}

/** Poll `alive` every 50 ms for up to `ms`; true once it says the process is gone. */
async function goneWithin(alive: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive()) return true;
    await sleep(50);
  }
  return !alive();
}

/**
 * SIGTERM the group, wait up to `timeoutMs` for `alive()` to turn false,
 * then SIGKILL and wait a little more. Resolves true once the process is
 * gone, false if it survived SIGKILL (the caller says what to do by hand).
 */
export async function stopWithDeadline(
  pid: number,
  alive: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  signalGroup(pid, "SIGTERM");
  if (await goneWithin(alive, timeoutMs)) return true;
  signalGroup(pid, "SIGKILL");
  return goneWithin(alive, KILL_GRACE_MS);
}

/**
 * Stop a process we started (SIGTERM to its group, SIGKILL after
 * `timeoutMs`). Resolves true if it was running. A pid that is no longer our
 * program (`command`) is left alone.
 */
export async function stopProcess(
  pid: number,
  command: string | undefined,
  timeoutMs = 10_000,
): Promise<boolean> {
  if (!processAlive(pid, command)) return false;
  if (await stopWithDeadline(pid, () => processAlive(pid, command), timeoutMs)) return true;
  throw new MsPASSError(`cannot stop process ${pid} (${command ?? "?"}); kill it by hand`, "Fatal");
}

/**
 * Stop a server this process spawned and still holds (`ChildProcess`):
 * `signal`, then SIGKILL after `killAfterMs`; resolves once it has exited.
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  killAfterMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  const t = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  await gone;
  clearTimeout(t);
}

/** What a process wrote to its log since byte `offset` (at most the last `max` characters). */
export function logSince(log: string, offset: number, max = 1 << 20): string {
  try {
    const text = readFileSync(log).subarray(offset).toString("utf8").trimEnd();
    return text.length > max ? "…" + text.slice(-max) : text;
  } catch {
    return "";
  }
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
