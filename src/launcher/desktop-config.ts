/**
 * `mspass-desktop.yaml`: the desktop launcher's configuration, with MsPASS
 * desktop's keys where they apply and ours for what Docker used to fix.
 *
 * MsPASS keys used:
 * - `engine_startup_delay_time` (s, MsPASS default 5): how long each service
 *   is given to answer after it is started (we wait on readiness, not a clock;
 *   this is the limit). Our default is 30, FerretDB's first start can be slow.
 * - `status_monitor_time_interval` (s, default 10): `mspass status --watch` period.
 * - `web_browser`: program `mspass up --open` opens the dashboard/notebook with.
 * - `container_run_directory`: the working directory (MsPASS mounts it at
 *   /home): where `run` executes and the notebook's root. Default: the cwd.
 * MsPASS keys accepted and ignored (Docker/Tk only): `docker_compose_yaml_file`,
 * window geometry keys.
 *
 * Ours: `scheduler` (local | redis), `workers` (redis: `mspass worker`
 * processes), `nthreads` (threads per worker process; local: the scheduler's
 * worker threads), `notebook` (start JupyterLab with `up`), `database_host`
 * (use this server instead of starting one), `ports.{database, scheduler,
 * dashboard, jupyter}`.
 */
import { resolve } from "node:path";
import { ConfigReader, locateConfig, readYamlMapping } from "./config-files.js";

export const DESKTOP_CONFIG_FILE = "mspass-desktop.yaml";

export interface DesktopConfig {
  file?: string;
  workingDirectory: string;
  startupTimeoutMs: number;
  statusIntervalMs: number;
  webBrowser?: string;
  scheduler: "local" | "redis";
  workers: number;
  nthreads?: number;
  notebook: boolean;
  databaseHost?: string;
  /**
   * `database` is absent unless the file names it: then a
   * server already started here (`mspass db start --port N`) is reused.
   */
  ports: { database?: number; scheduler: number; dashboard: number; jupyter: number };
  /** MsPASS keys present in the file that do not apply without Docker. */
  ignoredKeys: string[];
}

const KNOWN = [
  "engine_startup_delay_time",
  "status_monitor_time_interval",
  "web_browser",
  "container_run_directory",
  "scheduler",
  "workers",
  "nthreads",
  "notebook",
  "database_host",
  "ports",
];
const IGNORED = [
  "docker_compose_yaml_file",
  "window_width",
  "window_height",
  "window_size",
  "geometry",
  "title",
  "verbose",
];

export function loadDesktopConfig(
  opts: { config?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): DesktopConfig {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const file =
    opts.config !== undefined ? resolve(cwd, opts.config) : locateConfig(DESKTOP_CONFIG_FILE, cwd, env);
  const r = new ConfigReader(file, file ? readYamlMapping(file) : {});
  const ignoredKeys = r.checkKeys(KNOWN, IGNORED);
  const ports = r.section("ports");
  ports.checkKeys(["database", "scheduler", "dashboard", "jupyter"]);
  const nthreads = r.has("nthreads") ? r.int("nthreads", 1, 1) : undefined;
  return {
    file,
    workingDirectory: resolve(cwd, r.string("container_run_directory", ".")),
    startupTimeoutMs: r.number("engine_startup_delay_time", 30, 1) * 1000,
    statusIntervalMs: r.number("status_monitor_time_interval", 10, 1) * 1000,
    webBrowser: r.string("web_browser"),
    scheduler: r.oneOf("scheduler", ["local", "redis"] as const, "local"),
    workers: r.int("workers", 2, 1),
    nthreads,
    notebook: r.bool("notebook", false),
    databaseHost: r.string("database_host"),
    ports: {
      database: ports.has("database") ? ports.port("database", 27017) : undefined,
      scheduler: ports.port("scheduler", 6379),
      dashboard: ports.port("dashboard", 8787),
      jupyter: ports.port("jupyter", 8888),
    },
    ignoredKeys,
  };
}
