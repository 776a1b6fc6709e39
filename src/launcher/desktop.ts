/**
 * The desktop launcher: MsPASS desktop's Launch / Shutdown / Status / Run
 * without Docker. `up` starts the database service (reusing src/service), the
 * scheduler (local: worker threads inside each workflow process, nothing to
 * start; redis: a redis-server and N `mspass worker` processes) and, if asked,
 * the notebook; `down` stops what `up` started and only that.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MsPASSError, maskCredentials } from "../errors.js";
import { pingMongo } from "../service/probe.js";
import { startDatabaseServer, stopDatabaseServer } from "../service/server.js";
import { packageRoot, servicePaths } from "../service/paths.js";
import { loadDesktopConfig, type DesktopConfig } from "./desktop-config.js";
import {
  desktopLogDir,
  readDesktopState,
  removeDesktopState,
  writeDesktopState,
  type DesktopState,
  type ServiceRecord,
} from "./desktop-state.js";
import { portAnswers, requirePortFree } from "../service/ports.js";
import { processAlive, stopProcess } from "../service/processes.js";
import { logShows, requireProgram, spawnDetached, waitUntil } from "./processes.js";
import { startNotebookServer, stopOrphanKernels } from "./notebook.js";

/** After Ctrl-C, how long a workflow script has to exit before it is killed. */
const RUN_STOP_GRACE_MS = 3000;

/** The `mspass` CLI entry, to start `mspass worker` processes with this very build. */
export const CLI_ENTRY = fileURLToPath(new URL("../cli/main.js", import.meta.url));

export interface LaunchOptions {
  config?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Start the notebook even if the configuration says not to. */
  notebook?: boolean;
  log?: (line: string) => void;
}

export interface UpResult {
  state: DesktopState;
  config: DesktopConfig;
  /** False when everything was already up (nothing started). */
  started: boolean;
}

/** The database `database_host` (else MSPASS_DB_ADDRESS) names, as a URI; undefined to use the embedded one. */
function externalDatabase(config: DesktopConfig, env: NodeJS.ProcessEnv): string | undefined {
  const external = config.databaseHost ?? env.MSPASS_DB_ADDRESS?.trim();
  if (!external) return undefined;
  return /^mongodb(\+srv)?:\/\//.test(external)
    ? external
    : `mongodb://${external.includes(":") ? external : `${external}:27017`}/`;
}

/**
 * The environment a workflow gets after `mspass up`: the recorded one, plus
 * the external database's address when it carries credentials (never stored
 * in the state file), read again from database_host or MSPASS_DB_ADDRESS.
 */
export function workflowEnv(
  state: DesktopState,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out = { ...state.env };
  const db = state.services.find((s) => s.name === "database");
  if (db?.kind === "external" && out.MSPASS_DB_ADDRESS === undefined) {
    const config = loadDesktopConfig({ config: state.config, cwd: state.workingDirectory, env });
    const uri = externalDatabase(config, env);
    if (uri) out.MSPASS_DB_ADDRESS = uri;
  }
  return out;
}

/** Start the services; on any failure stop what this call started and throw one error. */
export async function desktopUp(opts: LaunchOptions = {}): Promise<UpResult> {
  const env = opts.env ?? process.env;
  const config = loadDesktopConfig({ config: opts.config, cwd: opts.cwd, env });
  const log = opts.log ?? (() => {});
  const wd = config.workingDirectory;
  const existing = readDesktopState(wd);
  if (existing) {
    const dead = existing.services.filter(
      (s) => s.startedByUp && s.pid !== undefined && !processAlive(s.pid, s.command),
    );
    if (dead.length === 0) return { state: existing, config, started: false };
    throw new MsPASSError(
      `a previous 'mspass up' here is partly down (${dead.map((s) => s.name).join(", ")} not running); run 'mspass down' first`,
      "Fatal",
    );
  }
  const logDir = desktopLogDir(wd);
  mkdirSync(logDir, { recursive: true });
  const state: DesktopState = {
    startedAt: new Date().toISOString(),
    config: config.file,
    workingDirectory: wd,
    scheduler: config.scheduler,
    env: {
      MSPASS_PROJECT_DIR: wd,
      MSPASS_SCHEDULER: config.scheduler,
      MSPASS_DASHBOARD_PORT: String(config.ports.dashboard),
    },
    services: [],
  };
  const record = (s: ServiceRecord) => {
    state.services.push(s);
    writeDesktopState(state);
  };
  try {
    // -- database
    const uri = externalDatabase(config, env);
    if (uri) {
      if (!uri.startsWith("mongodb+srv") && !(await pingMongo(uri, 5000))) {
        throw new MsPASSError(
          `the database at ${maskCredentials(uri)} (database_host / MSPASS_DB_ADDRESS) does not answer`,
          "Fatal",
        );
      }
      // The state file keeps the masked address only: a password stays where
      // the user put it, and `run`/`shell` take it from there (workflowEnv).
      record({ name: "database", kind: "external", address: maskCredentials(uri), startedByUp: false });
      if (maskCredentials(uri) === uri) state.env.MSPASS_DB_ADDRESS = uri;
    } else {
      const db = await startDatabaseServer({
        projectDir: wd,
        port: config.ports.database,
        startTimeoutMS: config.startupTimeoutMs,
        env,
        portAdvice: `set another ports.database in ${config.file ?? "mspass-desktop.yaml"}`,
      });
      log(
        db.started
          ? `database: started ${db.kind} (pid ${db.pid}) at ${db.uri}`
          : `database: ${db.kind} already running at ${db.uri} (left as found by 'down')`,
      );
      record({
        name: "database",
        kind: db.kind,
        pid: db.pid,
        command: db.command,
        address: db.uri,
        log: db.logFile,
        startedByUp: db.started,
      });
      state.env.MSPASS_DB_ADDRESS = db.uri;
    }

    // -- scheduler
    if (config.scheduler === "local") {
      record({
        name: "scheduler",
        kind: "local",
        startedByUp: false,
        note: `worker threads inside each workflow process (mspass run / shell); its dashboard is served by that process (port ${config.ports.dashboard}, or the next free one)`,
      });
    } else {
      const redisServer = requireProgram(
        "redis-server",
        `install Redis (Debian: apt-get install redis-server; or bash ${join(packageRoot(), "scripts", "ensure-redis.sh")})`,
        env,
      );
      const port = config.ports.scheduler;
      await requirePortFree(port, "the Redis scheduler", "ports.scheduler in mspass-desktop.yaml");
      const redisDir = join(servicePaths(wd).stateDir, "redis");
      mkdirSync(redisDir, { recursive: true });
      const redisLog = join(logDir, "redis.log");
      const p = await spawnDetached(
        redisServer,
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          redisDir,
        ],
        { cwd: wd, env, log: redisLog },
      );
      const address = `redis://127.0.0.1:${port}`;
      record({
        name: "scheduler",
        kind: "redis-server",
        pid: p.pid,
        command: redisServer,
        address,
        log: redisLog,
        startedByUp: true,
      });
      await waitUntil(
        p,
        `redis-server on 127.0.0.1:${port}`,
        () => portAnswers("127.0.0.1", port),
        config.startupTimeoutMs,
      );
      log(`scheduler: started redis-server (pid ${p.pid}) at ${address}`);
      state.env.MSPASS_SCHEDULER_ADDRESS = address;

      const workers = [];
      for (let i = 1; i <= config.workers; i++) {
        const args = [CLI_ENTRY, "worker", "--scheduler", address];
        if (config.nthreads !== undefined) args.push("--nthreads", String(config.nthreads));
        const wlog = join(logDir, `worker-${i}.log`);
        const w = await spawnDetached(process.execPath, args, {
          cwd: wd,
          env: { ...env, ...workflowEnv(state, env) },
          log: wlog,
        });
        record({
          name: `worker-${i}`,
          kind: "mspass worker",
          pid: w.pid,
          command: process.execPath,
          log: wlog,
          startedByUp: true,
        });
        workers.push({ w, i });
      }
      // `mspass worker` prints "ready <id>" once connected and its threads are up.
      for (const { w, i } of workers) {
        await waitUntil(w, `worker-${i} (mspass worker)`, logShows(w, /^ready /m), config.startupTimeoutMs);
      }
      log(`scheduler: ${config.workers} mspass worker process(es) ready`);
    }

    // -- notebook
    if (opts.notebook ?? config.notebook) {
      const nb = await startNotebookServer({
        workingDirectory: wd,
        port: config.ports.jupyter,
        env: { ...env, ...workflowEnv(state, env) },
        logDir,
        timeoutMs: Math.max(config.startupTimeoutMs, 60_000),
      });
      record({
        name: "notebook",
        kind: "jupyter-lab",
        pid: nb.pid,
        command: nb.command,
        address: nb.url,
        log: nb.log,
        startedByUp: true,
      });
      log(`notebook: JupyterLab at ${nb.url}`);
    }
    return { state, config, started: true };
  } catch (err) {
    await stopServices(state).catch(() => {});
    removeDesktopState(wd);
    throw err;
  }
}

/** Stop, in reverse order, what `up` started. */
async function stopServices(state: DesktopState): Promise<ServiceRecord[]> {
  const stopped: ServiceRecord[] = [];
  for (const s of [...state.services].reverse()) {
    if (!s.startedByUp) continue;
    if (s.name === "database") {
      const r = await stopDatabaseServer({ projectDir: state.workingDirectory });
      if (r.stopped) stopped.push(s);
    } else if (s.pid !== undefined && (await stopProcess(s.pid, s.command))) {
      stopped.push(s);
    }
    if (s.name === "notebook") await stopOrphanKernels(state.workingDirectory);
  }
  return stopped;
}

export interface DownResult {
  /** False when nothing was up here. */
  wasUp: boolean;
  stopped: ServiceRecord[];
  left: ServiceRecord[];
}

export async function desktopDown(
  opts: { config?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<DownResult> {
  const config = loadDesktopConfig(opts);
  const state = readDesktopState(config.workingDirectory);
  if (!state) return { wasUp: false, stopped: [], left: [] };
  const stopped = await stopServices(state);
  removeDesktopState(config.workingDirectory);
  return { wasUp: true, stopped, left: state.services.filter((s) => !s.startedByUp && s.kind !== "local") };
}

export type ServiceHealth = "running" | "not answering" | "stopped" | "in-process";

export interface ServiceStatus extends ServiceRecord {
  health: ServiceHealth;
}

export async function desktopStatus(
  opts: { config?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ state?: DesktopState; services: ServiceStatus[] }> {
  const config = loadDesktopConfig(opts);
  const state = readDesktopState(config.workingDirectory);
  if (!state) return { services: [] };
  const services: ServiceStatus[] = [];
  for (const s of state.services) {
    let health: ServiceHealth;
    if (s.kind === "local") health = "in-process";
    else if (s.pid !== undefined && !processAlive(s.pid, s.command)) health = "stopped";
    else if (s.name === "database")
      health = (await pingMongo(s.address!, 2000)) ? "running" : "not answering";
    else if (s.address) {
      const u = new URL(s.address);
      health = (await portAnswers(u.hostname, Number(u.port))) ? "running" : "not answering";
    } else health = "running";
    services.push({ ...s, health });
  }
  return { state, services };
}

/**
 * Run a workflow script against the services `up` started: the script gets
 * MSPASS_DB_ADDRESS / MSPASS_SCHEDULER / MSPASS_SCHEDULER_ADDRESS, so a plain
 * `Client.connect()` in it uses them. Resolves to the script's exit status.
 */
export async function desktopRun(
  script: string,
  scriptArgs: string[],
  opts: { config?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const config = loadDesktopConfig(opts);
  const state = readDesktopState(config.workingDirectory);
  if (!state)
    throw new MsPASSError(`nothing is up in ${config.workingDirectory}: run 'mspass up' first`, "Fatal");
  const { services } = await desktopStatus(opts);
  const down = services.filter((s) => s.health === "stopped" || s.health === "not answering");
  if (down.length) {
    throw new MsPASSError(
      `service(s) ${down.map((s) => `${s.name} (${s.health})`).join(", ")} are not up; run 'mspass down' then 'mspass up'`,
      "Fatal",
    );
  }
  const { prepareScript } = await import("./run-script.js");
  const prepared = await prepareScript(script, opts.cwd ?? process.cwd());
  const child = spawn(process.execPath, [prepared.entry, ...scriptArgs], {
    cwd: config.workingDirectory,
    env: { ...(opts.env ?? process.env), ...workflowEnv(state, opts.env ?? process.env) },
    stdio: "inherit",
  });
  // Ctrl-C / kill of `mspass run` reaches the script too, and we stay until
  // it has exited, so the compiled file is removed and no script is orphaned.
  let stopping: NodeJS.Signals | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const forward = (signal: NodeJS.Signals) => {
    stopping ??= signal;
    child.kill(signal);
    killTimer ??= setTimeout(() => child.kill("SIGKILL"), RUN_STOP_GRACE_MS);
  };
  const onInt = () => forward("SIGINT");
  const onTerm = () => forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) => {
        if (stopping) resolve(128 + (stopping === "SIGINT" ? 2 : 15));
        else resolve(code ?? (signal ? 128 + 15 : 1));
      });
    });
  } finally {
    clearTimeout(killTimer);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    prepared.cleanup();
  }
}
