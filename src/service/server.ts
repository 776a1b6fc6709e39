/**
 * Start, stop and inspect the local database server that mspass runs for the
 * user (what `mspass db start|stop|status` and `Client.connect` use).
 *
 * The server is a detached daemon: it outlives the Node process that started
 * it, so the next run finds it through `.mspass/db.json` and a `ping`, in
 * milliseconds. It binds 127.0.0.1 only. Stopping sends SIGTERM and leaves
 * the data directory alone, so data survive a stop and a start.
 */
import { spawn } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { MsPASSError } from "../errors.js";
import {
  checkEngine,
  ensureFerretDB,
  ferretdbPlan,
  findOnPath,
  mongodPlan,
  type DatabaseEngine,
  type LaunchPlan,
} from "./engines.js";
import { checkPort, defaultServicePort, servicePaths, type ServicePaths } from "./paths.js";
import { pingMongo, probeMongo } from "./probe.js";
import { findFreePort } from "./ports.js";
import { logSince, processAlive, signalGroup, stopWithDeadline, withLock } from "./processes.js";
import { readState, removeState, writeState, type DatabaseServerState } from "./state.js";
import { sleep } from "../option-checks.js";

/** Options shared by start, stop and status. */
export interface DatabaseServiceDirOptions {
  /** Directory holding `.mspass/` (default: MSPASS_PROJECT_DIR, else the current directory). */
  projectDir?: string;
  /** Environment to read MSPASS_PROJECT_DIR, MONGODB_PORT and PATH from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface StartDatabaseServerOptions extends DatabaseServiceDirOptions {
  /**
   * Port on 127.0.0.1. 0 picks a free port. When given, a running server on
   * another port is an error. When omitted, a running server is reused
   * whatever its port, and a new one uses `defaultPort`.
   */
  port?: number;
  /** Port for a new server when `port` is omitted (default MONGODB_PORT, else 27017). */
  defaultPort?: number;
  /** Data directory (default `<projectDir>/.mspass/db`). Relative paths resolve against the current directory. */
  dataDir?: string;
  /** Which server program: "auto" (default) = mongod if on PATH, else FerretDB. */
  engine?: DatabaseEngine;
  /** How long the new server has to answer `ping` (default 30 s). */
  startTimeoutMS?: number;
  /**
   * How the caller's user chooses another port, for the advice when the port
   * is taken (default "pass --port", as `mspass db start` takes).
   */
  portAdvice?: string;
}

/** A server mspass started, as recorded in `.mspass/db.json`. */
export type DatabaseServerInfo = DatabaseServerState;

export interface StartedDatabaseServer extends DatabaseServerInfo {
  /** True if this call started it; false if it was already running. */
  started: boolean;
  /** The state file that records it. */
  stateFile: string;
}

export interface DatabaseServerStatus {
  /**
   * - `"running"`: the recorded process is alive and answers ping;
   * - `"unresponsive"`: alive but not answering (still starting, or hung);
   * - `"stopped"`: no server recorded, or the recorded one is gone.
   */
  state: "running" | "unresponsive" | "stopped";
  /** The recorded server (absent when stopped). */
  server?: DatabaseServerInfo;
  /** True when a state file for a dead process was found and removed. */
  staleCleaned: boolean;
  stateFile: string;
  /** Data directory: the running server's, else the default one. */
  dataDir: string;
}

export interface StopDatabaseServerOptions extends DatabaseServiceDirOptions {
  /** How long to wait after SIGTERM before SIGKILL (default 20 s). */
  stopTimeoutMS?: number;
}

export interface StopResult {
  /** True if a running server was stopped by this call. */
  stopped: boolean;
  /** The server that was recorded (stopped now, or found dead). */
  server?: DatabaseServerInfo;
  staleCleaned: boolean;
  /**
   * Set when the state file here had been copied from this other project
   * directory: its server was left running and the copied record removed.
   */
  foreignProjectDir?: string;
}

const PING_TIMEOUT_MS = 2000;

interface LiveState {
  state?: DatabaseServerState;
  staleCleaned: boolean;
  /** Set when the state file was copied from another project directory (and removed here). */
  foreignProjectDir?: string;
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * Read the state file; remove it if its process is gone, or if it was copied
 * from another project directory (that server is the other project's: this
 * one must neither use nor stop it).
 */
function liveState(paths: ServicePaths): LiveState {
  const state = readState(paths.stateFile);
  if (!state) return { staleCleaned: false };
  if (state.projectDir !== undefined && !sameDir(state.projectDir, paths.projectDir)) {
    removeState(paths.stateFile);
    rmSync(paths.uriFile, { force: true });
    return { staleCleaned: false, foreignProjectDir: state.projectDir };
  }
  if (processAlive(state.pid, state.command)) return { state, staleCleaned: false };
  removeState(paths.stateFile);
  rmSync(paths.uriFile, { force: true });
  return { staleCleaned: true };
}

/**
 * The server this project started, if it runs and answers `ping`: what a
 * Client in this project uses before anything else on the default port.
 */
export async function projectDatabaseServer(
  opts: DatabaseServiceDirOptions = {},
): Promise<DatabaseServerInfo | undefined> {
  const paths = servicePaths(opts.projectDir, opts.env ?? process.env);
  if (!readState(paths.stateFile)) return undefined;
  const { state } = liveState(paths);
  return state && (await pingMongo(state.uri, PING_TIMEOUT_MS)) ? state : undefined;
}

/** Report on the server recorded under `<projectDir>/.mspass/` (cleans stale state). */
export async function databaseServerStatus(
  opts: DatabaseServiceDirOptions = {},
): Promise<DatabaseServerStatus> {
  const paths = servicePaths(opts.projectDir, opts.env ?? process.env);
  const { state, staleCleaned } = liveState(paths);
  if (!state) return { state: "stopped", staleCleaned, stateFile: paths.stateFile, dataDir: paths.dataDir };
  const ok = await pingMongo(state.uri, PING_TIMEOUT_MS);
  return {
    state: ok ? "running" : "unresponsive",
    server: state,
    staleCleaned,
    stateFile: paths.stateFile,
    dataDir: state.dataDir,
  };
}

/** Make sure `dir` exists and we can create files in it; else one clear error. */
function ensureWritableDir(dir: string, what: string, hint: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    accessSync(dir, constants.W_OK | constants.X_OK);
    // access() says yes to root even on a read-only file system: really write.
    const probe = join(dir, `.mspass-write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new MsPASSError(`cannot write the ${what} ${dir} (${e.code ?? e.message}); ${hint}`, "Fatal", {
      cause: err,
    });
  }
}

function tailOfLog(logFile: string, offset: number, lines = 5): string {
  const tail = logSince(logFile, offset).split("\n").slice(-lines).join("\n  ");
  return tail ? `; its last lines:\n  ${tail}` : "";
}

/** Pick the program to run; builds FerretDB if it is the one and missing. */
async function choosePlan(
  engine: DatabaseEngine,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  port: number,
  paths: ServicePaths,
): Promise<LaunchPlan> {
  if (engine === "mongod" || engine === "auto") {
    const mongod = findOnPath("mongod", env);
    if (mongod) return mongodPlan(mongod, dataDir, port === 0 ? await findFreePort() : port);
    if (engine === "mongod") {
      throw new MsPASSError(
        'engine "mongod" was asked for but no mongod is on PATH; install MongoDB or use engine "ferretdb"',
        "Invalid",
      );
    }
  }
  // FerretDB binds port 0 itself and reports the port it got: no race.
  return ferretdbPlan(await ensureFerretDB(env), dataDir, port, paths.uriFile);
}

/** The server's URI once it is ready; throws (after killing it) if it is not ready in time. */
async function waitUntilReady(
  plan: LaunchPlan,
  pid: number,
  exited: () => number | string | null | undefined,
  logFile: string,
  logOffset: number,
  timeoutMS: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMS;
  let uri = plan.uriFile ? undefined : `mongodb://127.0.0.1:${plan.port}/`;
  for (;;) {
    const status = exited();
    if (status !== undefined) {
      throw new MsPASSError(
        `the ${plan.kind} database server exited while starting (${status === null ? "killed" : `status ${status}`}); ` +
          `see ${logFile}${tailOfLog(logFile, logOffset)}`,
        "Fatal",
      );
    }
    if (!uri && plan.uriFile) {
      try {
        const text = readFileSync(plan.uriFile, "utf8").trim();
        if (text.startsWith("mongodb://")) uri = text;
      } catch {
        // not written yet
      }
    }
    if (uri && (await pingMongo(uri, 1000))) return uri;
    if (Date.now() > deadline) {
      signalGroup(pid, "SIGKILL");
      throw new MsPASSError(
        `the ${plan.kind} database server did not answer within ${Math.round(timeoutMS / 1000)} s; it was killed. ` +
          `See ${logFile}${tailOfLog(logFile, logOffset)}`,
        "Fatal",
      );
    }
    await sleep(uri ? 200 : 50);
  }
}

const DEFAULT_PORT_ADVICE = "pass --port";

function portTakenError(port: number, portAdvice: string): MsPASSError {
  return new MsPASSError(
    `port ${port} on 127.0.0.1 is in use by something that is not a MongoDB server; ${portAdvice} or set MSPASS_DB_ADDRESS`,
    "Fatal",
  );
}

/**
 * Start the local database server, or return the one already running
 * (`started: false`): idempotent. Records it in `.mspass/db.json`; its
 * output goes to `.mspass/db.log`.
 *
 * Errors (MsPASSError, Fatal unless noted): the port is held by a non-MongoDB
 * program, or by a MongoDB server mspass did not start; the data or `.mspass`
 * directory cannot be written; the FerretDB build fails; the server does not
 * come up (the message points at the log); a bad option (Invalid).
 */
export async function startDatabaseServer(
  opts: StartDatabaseServerOptions = {},
): Promise<StartedDatabaseServer> {
  const env = opts.env ?? process.env;
  const paths = servicePaths(opts.projectDir, env);
  const explicitPort = opts.port === undefined ? undefined : checkPort(opts.port, "port", true);
  const engine = checkEngine(opts.engine);
  const dataDir = opts.dataDir !== undefined ? resolve(opts.dataDir) : undefined;
  const startTimeoutMS = opts.startTimeoutMS ?? 30_000;
  const portAdvice = opts.portAdvice ?? DEFAULT_PORT_ADVICE;

  ensureWritableDir(
    paths.stateDir,
    "mspass state directory",
    "choose another project directory with --project-dir or MSPASS_PROJECT_DIR",
  );

  // Building FerretDB can take minutes on first use, hence the long wait.
  return withLock(paths.lockFile, 10 * 60_000, async () => {
    const { state } = liveState(paths);
    if (state) {
      if (!(await pingMongo(state.uri, PING_TIMEOUT_MS))) {
        throw new MsPASSError(
          `the ${state.kind} server mspass started (pid ${state.pid}) is running but does not answer at ${state.uri}; ` +
            `see ${state.logFile}, or stop it with 'mspass db stop'`,
          "Fatal",
        );
      }
      const conflicts: string[] = [];
      if (explicitPort !== undefined && explicitPort !== 0 && explicitPort !== state.port)
        conflicts.push(`port ${state.port}`);
      if (dataDir !== undefined && dataDir !== state.dataDir)
        conflicts.push(`data directory ${state.dataDir}`);
      if (engine !== "auto" && engine !== state.kind) conflicts.push(`engine ${state.kind}`);
      if (conflicts.length) {
        throw new MsPASSError(
          `a ${state.kind} server is already running at ${state.uri} with ${conflicts.join(" and ")}; ` +
            "stop it first with 'mspass db stop'",
          "Invalid",
        );
      }
      return { ...state, started: false, stateFile: paths.stateFile };
    }

    const dir = dataDir ?? paths.dataDir;
    ensureWritableDir(dir, "database directory", "fix its permissions or pass --data-dir DIR");

    const port = explicitPort ?? defaultServicePort(opts.defaultPort, env);
    if (port !== 0) {
      const found = await probeMongo("127.0.0.1", port, PING_TIMEOUT_MS);
      if (found === "other") throw portTakenError(port, portAdvice);
      if (found === "mongodb") {
        throw new MsPASSError(
          `a MongoDB server that mspass did not start already answers on 127.0.0.1:${port}; ` +
            `use it (MSPASS_DB_ADDRESS=mongodb://127.0.0.1:${port}/) or ${portAdvice}`,
          "Fatal",
        );
      }
    }

    const plan = await choosePlan(engine, env, dir, port, paths);
    rmSync(paths.uriFile, { force: true });
    const logFd = openSync(paths.logFile, "a");
    const logOffset = fstatSync(logFd).size;
    let child;
    try {
      // Detached in its own process group, with no pipes back to us, so it
      // survives our exit and a Ctrl-C in the terminal that started it.
      child = spawn(plan.command, plan.args, {
        cwd: paths.projectDir,
        env,
        detached: true,
        stdio: ["ignore", logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    let exitStatus: number | string | null | undefined;
    child.on("exit", (code, signal) => (exitStatus = code ?? signal));
    child.on("error", (err) => (exitStatus = err.message));
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
      await sleep(0); // let the 'error' event arrive
      throw new MsPASSError(`cannot start ${plan.command}: ${exitStatus ?? "spawn failed"}`, "Fatal");
    }

    const info: DatabaseServerState = {
      kind: plan.kind,
      pid,
      port: plan.port,
      uri: `mongodb://127.0.0.1:${plan.port}/`,
      dataDir: dir,
      logFile: paths.logFile,
      command: plan.command,
      startedAt: new Date().toISOString(),
      projectDir: paths.projectDir,
    };
    // Record the pid at once, so a crash of ours before readiness leaves no orphan.
    writeState(paths.stateFile, info);
    let uri: string;
    try {
      uri = await waitUntilReady(plan, pid, () => exitStatus, paths.logFile, logOffset, startTimeoutMS);
    } catch (err) {
      removeState(paths.stateFile);
      // Lost a race for the port to another program since the probe.
      if (plan.port !== 0 && /address already in use/i.test(logSince(paths.logFile, logOffset)))
        throw portTakenError(plan.port, portAdvice);
      throw err;
    }
    const ready = { ...info, uri, port: Number(new URL(uri).port) };
    writeState(paths.stateFile, ready);
    return { ...ready, started: true, stateFile: paths.stateFile };
  });
}

/**
 * Stop the server mspass started (SIGTERM, wait, SIGKILL after
 * `stopTimeoutMS`) and remove its state file. The data directory is kept.
 * Stopping when nothing runs is not an error (`stopped: false`).
 */
export async function stopDatabaseServer(opts: StopDatabaseServerOptions = {}): Promise<StopResult> {
  const paths = servicePaths(opts.projectDir, opts.env ?? process.env);
  const recorded = readState(paths.stateFile);
  if (!recorded) return { stopped: false, staleCleaned: false };
  return withLock(paths.lockFile, 60_000, async () => {
    const { state, staleCleaned, foreignProjectDir } = liveState(paths);
    if (foreignProjectDir !== undefined) return { stopped: false, staleCleaned: false, foreignProjectDir };
    if (!state) return { stopped: false, server: recorded, staleCleaned };
    const timeout = opts.stopTimeoutMS ?? 20_000;
    if (!(await stopWithDeadline(state.pid, () => processAlive(state.pid, state.command), timeout))) {
      throw new MsPASSError(
        `cannot stop the ${state.kind} server (pid ${state.pid}); kill it by hand`,
        "Fatal",
      );
    }
    removeState(paths.stateFile);
    rmSync(paths.uriFile, { force: true });
    return { stopped: true, server: state, staleCleaned: false };
  });
}
