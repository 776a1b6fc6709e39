/**
 * `mspass-hpc.yaml`: the HPC launcher's configuration, with MsPASS
 * HPCClusterLauncher's keys where they apply (no containers here: the
 * container keys are accepted and ignored).
 *
 * Top level: `working_directory` (default: the cwd), `log_directory`
 * (default <working_directory>/logs), `database_directory` (default
 * <working_directory>/db), `worker_directory` (workers' cwd, default
 * <working_directory>/work), `workers_per_node` (threads of the one `mspass
 * worker` process on each worker node, default 1), `primary_node_workers`
 * (threads of a worker on the primary; 0 = none there).
 * `HPC_cluster`: `primary_host`, `database_host`, `scheduler_host` (`auto` =
 * the first node of the job), `worker_hosts` (`auto` = every node but the
 * primary; or a hostlist / a list), `job_scheduler` (`slurm`, or `none` with
 * explicit hosts). Ours: `HPC_cluster.launcher` (srun | ssh; default srun under
 * slurm), `HPC_cluster.host_addresses` ({host: ip} when host names do not
 * resolve to the interconnect address), `ports.{database,scheduler}`,
 * `startup_timeout` (s, default 120).
 */
import { resolve } from "node:path";
import { MsPASSError } from "../errors.js";
import { ConfigReader, locateConfig, readYamlMapping } from "./config-files.js";
import { expandHostlist } from "./hostlist.js";

export const HPC_CONFIG_FILES = ["mspass-hpc.yaml", "HPCClusterLauncher.yaml"];

export interface HpcConfig {
  file?: string;
  workingDirectory: string;
  logDirectory: string;
  databaseDirectory: string;
  workerDirectory: string;
  workersPerNode: number;
  primaryNodeWorkers: number;
  primaryHost: string;
  databaseHost: string;
  schedulerHost: string;
  /** "auto" or explicit hosts. */
  workerHosts: "auto" | string[];
  jobScheduler: "slurm" | "none";
  launcher: "srun" | "ssh";
  hostAddresses: Record<string, string>;
  ports: { database: number; scheduler: number };
  startupTimeoutMs: number;
  ignoredKeys: string[];
}

const TOP = [
  "working_directory",
  "log_directory",
  "database_directory",
  "worker_directory",
  "workers_per_node",
  "primary_node_workers",
  "HPC_cluster",
  "ports",
  "startup_timeout",
];
const TOP_IGNORED = ["container", "cluster_subnet_name", "worker_memory_limit", "setup_tunnel", "verbose"];
const CLUSTER = [
  "primary_host",
  "database_host",
  "scheduler_host",
  "worker_hosts",
  "job_scheduler",
  "launcher",
  "host_addresses",
];
const CLUSTER_IGNORED = [
  "task_scheduler",
  "container_run_command",
  "container_run_args",
  "container_env_flag",
  "worker_run_command",
  "remote_worker_run_command",
  "mpi_implementation",
  "hostlist_filename",
];

export function loadHpcConfig(
  opts: { config?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): HpcConfig {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const file =
    opts.config !== undefined
      ? resolve(cwd, opts.config)
      : HPC_CONFIG_FILES.map((f) => locateConfig(f, cwd, env)).find(Boolean);
  const r = new ConfigReader(file, file ? readYamlMapping(file) : {});
  const ignoredKeys = r.checkKeys(TOP, TOP_IGNORED);
  const c = r.section("HPC_cluster");
  ignoredKeys.push(...c.checkKeys(CLUSTER, CLUSTER_IGNORED).map((k) => `HPC_cluster.${k}`));
  const ports = r.section("ports");
  ports.checkKeys(["database", "scheduler"]);
  const wd = resolve(cwd, r.string("working_directory", "."));
  const jobScheduler = c.oneOf("job_scheduler", ["slurm", "none"] as const, "slurm");
  const rawWorkers = c.raw("worker_hosts");
  let workerHosts: "auto" | string[];
  if (rawWorkers === undefined || rawWorkers === null || rawWorkers === "auto") workerHosts = "auto";
  else if (typeof rawWorkers === "string") workerHosts = expandHostlist(rawWorkers);
  else if (Array.isArray(rawWorkers) && rawWorkers.every((h) => typeof h === "string"))
    workerHosts = rawWorkers as string[];
  else
    throw new MsPASSError(
      `'HPC_cluster.worker_hosts'${file ? ` in ${file}` : ""} must be auto, a hostlist or a list of host names`,
      "Invalid",
    );
  const addresses = c.raw("host_addresses") ?? {};
  if (
    typeof addresses !== "object" ||
    Array.isArray(addresses) ||
    Object.values(addresses).some((v) => typeof v !== "string")
  ) {
    throw new MsPASSError(
      `'HPC_cluster.host_addresses'${file ? ` in ${file}` : ""} must map host names to addresses`,
      "Invalid",
    );
  }
  const cfg: HpcConfig = {
    file,
    workingDirectory: wd,
    logDirectory: resolve(wd, r.string("log_directory", "logs")),
    databaseDirectory: resolve(wd, r.string("database_directory", "db")),
    workerDirectory: resolve(wd, r.string("worker_directory", "work")),
    workersPerNode: r.int("workers_per_node", 1, 1),
    primaryNodeWorkers: r.int("primary_node_workers", 0, 0),
    primaryHost: c.string("primary_host", "auto"),
    databaseHost: c.string("database_host", "auto"),
    schedulerHost: c.string("scheduler_host", "auto"),
    workerHosts,
    jobScheduler,
    launcher: c.oneOf("launcher", ["srun", "ssh"] as const, jobScheduler === "slurm" ? "srun" : "ssh"),
    hostAddresses: addresses as Record<string, string>,
    ports: { database: ports.port("database", 27017), scheduler: ports.port("scheduler", 6379) },
    startupTimeoutMs: r.number("startup_timeout", 120, 1) * 1000,
    ignoredKeys,
  };
  if (cfg.jobScheduler === "none" && (cfg.primaryHost === "auto" || cfg.workerHosts === "auto")) {
    throw new MsPASSError(
      `job_scheduler none needs explicit HPC_cluster.primary_host and worker_hosts${file ? ` (in ${file})` : ""}`,
      "Invalid",
    );
  }
  return cfg;
}
