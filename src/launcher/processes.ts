/**
 * Background processes the launchers start and stop: detached (own process
 * group, output to a log file, surviving the command that started them),
 * waited on until they answer, stopped by process group.
 */
import { spawn } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, isAbsolute, join } from "node:path";
import { MsPASSError } from "../errors.js";
import { basename } from "node:path";
import { processAlive as pidAlive } from "../service/state.js";
import { stopWithDeadline } from "../service/stop-process.js";
import { sleep } from "../option-checks.js";

/**
 * True when `pid` is alive and (with `command`) still runs that program: a
 * reused pid is not ours. Matched on the command line's text, because some
 * servers rewrite their argv (redis-server shows "redis-server 127.0.0.1:6379").
 */
export function processAlive(pid: number, command?: string): boolean {
  if (!pidAlive(pid)) return false;
  if (!command) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(basename(command));
  } catch {
    return true; // no /proc: trust kill(pid, 0)
  }
}

/** The absolute path of `program` on PATH (or itself if it is a path), else undefined. */
export function findProgram(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates =
    isAbsolute(program) || program.includes("/")
      ? [program]
      : (env.PATH ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `program` on PATH, or one clear error naming what is missing and how to get it. */
export function requireProgram(program: string, hint: string, env: NodeJS.ProcessEnv = process.env): string {
  const found = findProgram(program, env);
  if (!found) throw new MsPASSError(`${program} was not found on PATH; ${hint}`, "Fatal");
  return found;
}

export interface Detached {
  pid: number;
  /** The executable, recorded so a reused pid is never mistaken for ours. */
  command: string;
  log: string;
  /** Byte offset of this run's output in the log. */
  logOffset: number;
  /** Set once the process has exited (code or signal). */
  exitStatus(): number | string | undefined;
}

/** Start `command args` detached, stdout+stderr appended to `log`. */
export async function spawnDetached(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; log: string },
): Promise<Detached> {
  const fd = openSync(opts.log, "a");
  const logOffset = fstatSync(fd).size;
  let exit: number | string | undefined;
  let child;
  try {
    child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.on("exit", (code, signal) => (exit = code ?? signal ?? "exited"));
  child.on("error", (err) => (exit = err.message));
  child.unref();
  if (child.pid === undefined) {
    await sleep(0);
    throw new MsPASSError(`cannot start ${command}: ${exit ?? "spawn failed"}`, "Fatal");
  }
  return { pid: child.pid, command, log: opts.log, logOffset, exitStatus: () => exit };
}

/** What a process wrote to its log since `offset` (last `max` characters). */
export function logSince(log: string, offset: number, max = 2000): string {
  try {
    const text = readFileSync(log, "utf8").slice(offset);
    return text.length > max ? "…" + text.slice(-max) : text;
  } catch {
    return "";
  }
}

/** True when something accepts TCP connections on host:port. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

/** True when this process could listen on host:port now. */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once("error", () => res(false));
    srv.listen(port, host, () => srv.close(() => res(true)));
  });
}

/** One clear error for a port another program holds. */
export async function requirePortFree(
  port: number,
  what: string,
  option: string,
  host = "127.0.0.1",
): Promise<void> {
  if (port !== 0 && !(await portFree(port, host))) {
    throw new MsPASSError(
      `port ${port} on ${host} (for ${what}) is taken by another program; free it or choose another with ${option}`,
      "Fatal",
    );
  }
}

/**
 * Wait until `ready()` is true, failing early if the process exits and with
 * the tail of its log when `timeoutMs` passes.
 */
export async function waitUntil(
  p: Detached,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    const exit = p.exitStatus();
    if (exit !== undefined || !processAlive(p.pid)) {
      throw new MsPASSError(
        `${what} exited while starting (${exit ?? "gone"}); its output (${p.log}):\n${logSince(p.log, p.logOffset)}`,
        "Fatal",
      );
    }
    if (Date.now() > deadline) {
      throw new MsPASSError(
        `${what} did not come up within ${Math.round(timeoutMs / 1000)} s; its output (${p.log}):\n${logSince(p.log, p.logOffset)}`,
        "Fatal",
      );
    }
    await sleep(100);
  }
}

/** Wait for a line in the process's log since it started. */
export function logShows(p: Detached, pattern: RegExp): () => Promise<boolean> {
  return async () => existsSync(p.log) && pattern.test(logSince(p.log, p.logOffset, 1 << 20));
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
