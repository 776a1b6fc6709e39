/**
 * Background processes the launchers start: found on PATH, spawned detached
 * (own process group, output to a log file, surviving the command that
 * started them) and waited on until they answer. Stopping them, liveness and
 * ports are the service toolkit's (service/processes.ts, service/ports.ts).
 */
import { spawn } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { MsPASSError } from "../errors.js";
import { sleep } from "../option-checks.js";
import { logSince, processAlive } from "../service/processes.js";

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
        `${what} exited while starting (${exit ?? "gone"}); its output (${p.log}):\n${logSince(p.log, p.logOffset, 2000)}`,
        "Fatal",
      );
    }
    if (Date.now() > deadline) {
      throw new MsPASSError(
        `${what} did not come up within ${Math.round(timeoutMs / 1000)} s; its output (${p.log}):\n${logSince(p.log, p.logOffset, 2000)}`,
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
