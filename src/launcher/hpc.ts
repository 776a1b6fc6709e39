/**
 * The HPC launcher (MsPASS HPCClusterLauncher without containers): on the
 * job's primary node, start the database and Redis on their hosts and one
 * `mspass worker` on every worker node — each through `srun` (or `ssh`) —
 * wait until all are up, run the workflow on the primary, shut everything
 * down. Logs per service and node under `log_directory`; what runs is
 * recorded in `<working_directory>/.mspass/hpc.json` for status/shutdown.
 */
import { spawn } from "node:child_process";
import { lookup } from "node:dns/promises";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { MsPASSError } from "../errors.js";
import { ferretdbBinary, ferretdbBuildScript } from "../service/ferretdb-binary.js";
import { pingMongo } from "../service/probe.js";
import { CLI_ENTRY } from "./desktop.js";
import { loadHpcConfig, type HpcConfig } from "./hpc-config.js";
import { slurmNodes } from "./hostlist.js";
import { portAnswers } from "../service/ports.js";
import { processAlive, stopProcess } from "../service/processes.js";
import { logShows, requireProgram, spawnDetached, waitUntil, type Detached } from "./processes.js";

export interface HpcService {
  name: string; // database, scheduler, worker
  host: string;
  pid: number;
  command: string;
  log: string;
  address?: string;
}

export interface HpcState {
  startedAt: string;
  config?: string;
  workingDirectory: string;
  nodes: string[];
  env: Record<string, string>;
  services: HpcService[];
}

const stateFile = (wd: string) => join(wd, ".mspass", "hpc.json");

export function readHpcState(wd: string): HpcState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(wd), "utf8")) as HpcState;
  } catch {
    return undefined;
  }
}

function writeHpcState(s: HpcState): void {
  mkdirSync(join(s.workingDirectory, ".mspass"), { recursive: true });
  const tmp = `${stateFile(s.workingDirectory)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + "\n");
  renameSync(tmp, stateFile(s.workingDirectory));
}

export interface HpcOptions {
  config?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

interface Layout {
  nodes: string[];
  primary: string;
  dbHost: string;
  schedHost: string;
  /** host -> threads of its mspass worker */
  workers: [string, number][];
}

function layout(cfg: HpcConfig, env: NodeJS.ProcessEnv): Layout {
  const explicit = cfg.workerHosts === "auto" ? undefined : cfg.workerHosts;
  const nodes =
    cfg.jobScheduler === "slurm" && (cfg.primaryHost === "auto" || !explicit) ? slurmNodes(env) : [];
  const primary = cfg.primaryHost === "auto" ? nodes[0]! : cfg.primaryHost;
  const workerNodes = explicit ?? nodes.filter((n) => n !== primary);
  const workers: [string, number][] = [];
  if (cfg.primaryNodeWorkers > 0) workers.push([primary, cfg.primaryNodeWorkers]);
  for (const n of workerNodes) if (n !== primary) workers.push([n, cfg.workersPerNode]);
  if (workers.length === 0) {
    throw new MsPASSError(
      "no worker would run: a single-node job needs primary_node_workers > 0 (as in MsPASS)",
      "Invalid",
    );
  }
  const all = [...new Set([primary, ...workerNodes, ...nodes])];
  return {
    nodes: all,
    primary,
    dbHost: cfg.databaseHost === "auto" ? primary : cfg.databaseHost,
    schedHost: cfg.schedulerHost === "auto" ? primary : cfg.schedulerHost,
    workers,
  };
}

/** The address other nodes reach `host` at: host_addresses, else DNS. */
async function addressOf(cfg: HpcConfig, host: string): Promise<string> {
  if (cfg.hostAddresses[host]) return cfg.hostAddresses[host]!;
  if (isIP(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new MsPASSError(
      `cannot resolve host '${host}' to an address; add it to HPC_cluster.host_addresses`,
      "Fatal",
    );
  }
}

/**
 * Start `command args` on `host` through srun or ssh, output to `log`. The
 * record names `command` (not srun/ssh) as the program to recognise the pid
 * by: srun's command line carries it, and a launcher that execs into it
 * (srun stand-ins, `ip netns exec`) becomes it.
 */
async function onNode(
  cfg: HpcConfig,
  host: string,
  dir: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  log: string,
): Promise<Detached> {
  const p = await startOnNode(cfg, host, dir, command, args, env, log);
  return { ...p, command };
}

async function startOnNode(
  cfg: HpcConfig,
  host: string,
  dir: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  log: string,
): Promise<Detached> {
  const base = process.env;
  if (cfg.launcher === "srun") {
    const srun = requireProgram(
      "srun",
      "the HPC launcher starts services with srun under SLURM (or set HPC_cluster.launcher: ssh)",
      base,
    );
    // srun passes our environment on (--export=ALL); --overlap lets these
    // long-running steps share the job's CPUs with the workflow.
    return spawnDetached(
      srun,
      [
        "--nodes=1",
        "--ntasks=1",
        `--nodelist=${host}`,
        "--overlap",
        `--chdir=${dir}`,
        "--kill-on-bad-exit=1",
        command,
        ...args,
      ],
      { cwd: dir, env: { ...base, ...env }, log },
    );
  }
  const ssh = requireProgram("ssh", "HPC_cluster.launcher ssh needs an ssh client", base);
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const remote = `cd ${q(dir)} && exec env ${Object.entries(env)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(" ")} ${[command, ...args].map(q).join(" ")}`;
  // -tt: a remote pty, so closing this ssh (down/shutdown) hangs up the remote command.
  return spawnDetached(ssh, ["-tt", "-o", "BatchMode=yes", host, remote], {
    cwd: dir,
    env: { ...base },
    log,
  });
}

export async function hpcLaunch(opts: HpcOptions = {}): Promise<HpcState> {
  const env = opts.env ?? process.env;
  const say = opts.log ?? (() => {});
  const cfg = loadHpcConfig(opts);
  const wd = cfg.workingDirectory;
  const old = readHpcState(wd);
  if (old?.services.some((s) => processAlive(s.pid, s.command))) {
    throw new MsPASSError(
      `an HPC cluster launched from ${wd} is still running: 'mspass hpc shutdown' first`,
      "Fatal",
    );
  }
  const lay = layout(cfg, env);
  for (const d of [
    cfg.logDirectory,
    cfg.databaseDirectory,
    cfg.workerDirectory,
    join(wd, ".mspass", "redis"),
  ])
    mkdirSync(d, { recursive: true });
  const [dbAddr, schedAddr] = [await addressOf(cfg, lay.dbHost), await addressOf(cfg, lay.schedHost)];
  const dbUri = `mongodb://${dbAddr}:${cfg.ports.database}/`;
  const redisUrl = `redis://${schedAddr}:${cfg.ports.scheduler}`;
  const state: HpcState = {
    startedAt: new Date().toISOString(),
    config: cfg.file,
    workingDirectory: wd,
    nodes: lay.nodes,
    env: { MSPASS_DB_ADDRESS: dbUri, MSPASS_SCHEDULER: "redis", MSPASS_SCHEDULER_ADDRESS: redisUrl },
    services: [],
  };
  say(
    `nodes: ${lay.nodes.join(", ")}; primary ${lay.primary}; database on ${lay.dbHost}, scheduler on ${lay.schedHost}`,
  );
  const started = (name: string, host: string, p: Detached, address?: string) => {
    state.services.push({ name, host, pid: p.pid, command: p.command, log: p.log, address });
    writeHpcState(state);
  };
  try {
    // Already answering means someone else's server: refuse rather than share it.
    if (await portAnswers(dbAddr, cfg.ports.database)) {
      throw new MsPASSError(
        `port ${cfg.ports.database} on ${lay.dbHost} (${dbAddr}) is taken: something already listens there; choose ports.database`,
        "Fatal",
      );
    }
    if (await portAnswers(schedAddr, cfg.ports.scheduler)) {
      throw new MsPASSError(
        `port ${cfg.ports.scheduler} on ${lay.schedHost} (${schedAddr}) is taken: something already listens there; choose ports.scheduler`,
        "Fatal",
      );
    }
    // -- database (FerretDB from this package, or mongod when on PATH)
    const mongod = requireProgramOrUndefined("mongod", env);
    const ferret = ferretdbBinary();
    if (!mongod && !existsSync(ferret))
      throw new MsPASSError(
        `no database server: neither mongod on PATH nor ${ferret} (node ${ferretdbBuildScript()})`,
        "Fatal",
      );
    const dbArgs = mongod
      ? ["--dbpath", cfg.databaseDirectory, "--bind_ip", dbAddr, "--port", String(cfg.ports.database)]
      : [
          "--listen-addr",
          `${dbAddr}:${cfg.ports.database}`,
          "--data-dir",
          cfg.databaseDirectory,
          "--log-level",
          "error",
        ];
    const db = await onNode(
      cfg,
      lay.dbHost,
      wd,
      mongod ?? ferret,
      dbArgs,
      {},
      join(cfg.logDirectory, `database-${lay.dbHost}.log`),
    );
    started("database", lay.dbHost, db, dbUri);
    await waitUntil(db, `the database on ${lay.dbHost}`, () => pingMongo(dbUri, 1000), cfg.startupTimeoutMs);
    say(`database: ${mongod ? "mongod" : "ferretdb"} at ${dbUri}`);

    // -- scheduler: Redis. Bound to the interconnect address: the nodes must reach it.
    const redisServer = requireProgram(
      "redis-server",
      "install Redis on the nodes (Debian: apt-get install redis-server)",
      env,
    );
    const redis = await onNode(
      cfg,
      lay.schedHost,
      wd,
      redisServer,
      [
        "--bind",
        schedAddr,
        "--port",
        String(cfg.ports.scheduler),
        "--protected-mode",
        "no",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        join(wd, ".mspass", "redis"),
      ],
      {},
      join(cfg.logDirectory, `scheduler-${lay.schedHost}.log`),
    );
    started("scheduler", lay.schedHost, redis, redisUrl);
    await waitUntil(
      redis,
      `redis-server on ${lay.schedHost}`,
      () => portAnswers(schedAddr, cfg.ports.scheduler),
      cfg.startupTimeoutMs,
    );
    say(`scheduler: redis-server at ${redisUrl}`);

    // -- workers: one mspass worker per node, N threads each
    const waiting: [string, Detached][] = [];
    for (const [host, nthreads] of lay.workers) {
      const w = await onNode(
        cfg,
        host,
        cfg.workerDirectory,
        process.execPath,
        [CLI_ENTRY, "worker", "--scheduler", redisUrl, "--nthreads", String(nthreads)],
        { MSPASS_DB_ADDRESS: dbUri },
        join(cfg.logDirectory, `worker-${host}.log`),
      );
      started("worker", host, w);
      waiting.push([host, w]);
    }
    for (const [host, w] of waiting)
      await waitUntil(w, `the worker on node ${host}`, logShows(w, /^ready /m), cfg.startupTimeoutMs);
    say(`workers: ${lay.workers.map(([h, n]) => `${h}×${n}`).join(", ")} ready`);
    return state;
  } catch (err) {
    await stopAll(state).catch(() => {});
    throw err;
  }
}

function requireProgramOrUndefined(p: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return requireProgram(p, "", env);
  } catch {
    return undefined;
  }
}

async function stopAll(state: HpcState): Promise<HpcService[]> {
  const stopped: HpcService[] = [];
  for (const s of [...state.services].reverse()) if (await stopProcess(s.pid, s.command)) stopped.push(s);
  rmSync(stateFile(state.workingDirectory), { force: true });
  return stopped;
}

export async function hpcShutdown(opts: HpcOptions = {}): Promise<{ wasUp: boolean; stopped: HpcService[] }> {
  const cfg = loadHpcConfig(opts);
  const state = readHpcState(cfg.workingDirectory);
  if (!state) return { wasUp: false, stopped: [] };
  return { wasUp: true, stopped: await stopAll(state) };
}

export async function hpcStatus(
  opts: HpcOptions = {},
): Promise<{ state?: HpcState; services: (HpcService & { health: string })[] }> {
  const cfg = loadHpcConfig(opts);
  const state = readHpcState(cfg.workingDirectory);
  if (!state) return { services: [] };
  const services = [];
  for (const s of state.services) {
    let health = processAlive(s.pid, s.command) ? "running" : "stopped";
    if (health === "running" && s.name === "database")
      health = (await pingMongo(s.address!, 1000)) ? "running" : "not answering";
    if (health === "running" && s.name === "scheduler") {
      const u = new URL(s.address!);
      health = (await portAnswers(u.hostname, Number(u.port))) ? "running" : "not answering";
    }
    services.push({ ...s, health });
  }
  return { state, services };
}

/**
 * Run a workflow script on this (primary) node against the launched cluster.
 * With `autoLaunch`, launch first when nothing runs and shut down after.
 */
export async function hpcRun(
  script: string,
  args: string[],
  opts: HpcOptions & { autoLaunch?: boolean } = {},
): Promise<number> {
  const cfg = loadHpcConfig(opts);
  let state = readHpcState(cfg.workingDirectory);
  const launched = !state;
  if (!state) {
    if (!opts.autoLaunch)
      throw new MsPASSError(
        `no HPC cluster is launched from ${cfg.workingDirectory}: 'mspass hpc launch' first`,
        "Fatal",
      );
    state = await hpcLaunch(opts);
  }
  const { prepareScript } = await import("./run-script.js");
  try {
    const prepared = await prepareScript(script, opts.cwd ?? process.cwd());
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [prepared.entry, ...args], {
          cwd: cfg.workingDirectory,
          env: { ...(opts.env ?? process.env), ...state.env },
          stdio: "inherit",
        });
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve(code ?? (signal ? 143 : 1)));
      });
    } finally {
      prepared.cleanup();
    }
  } finally {
    if (launched) await stopAll(state);
  }
}
