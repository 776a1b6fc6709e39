/**
 * The `Client`'s arguments and environment variables, resolved the MsPASS way:
 * an argument wins over its environment variable, which wins over the default.
 *
 * | argument        | environment                | default                          |
 * |-----------------|----------------------------|----------------------------------|
 * | databaseHost    | MSPASS_DB_ADDRESS          | the embedded database service    |
 * | (port)          | MONGODB_PORT               | 27017, only if the address has none |
 * | scheduler       | MSPASS_SCHEDULER           | "local"                          |
 * | schedulerHost   | MSPASS_SCHEDULER_ADDRESS   | none                             |
 * | dashboardPort   | MSPASS_DASHBOARD_PORT      | 8787 (the next free one if taken) |
 */
import { MsPASSError } from "../errors.js";
import { parsePort } from "./address.js";
import { describe, positiveInt } from "../option-checks.js";
import { parseRedisAddress } from "../scheduler/redis/address.js";

/** Scheduler kinds: worker threads in this process, `mspass worker` processes on many hosts through Redis, or none. */
export const SCHEDULER_KINDS = ["local", "none", "redis"] as const;
export type SchedulerKind = (typeof SCHEDULER_KINDS)[number];

export interface ClientOptions {
  /** `host`, `host:port`, `[ipv6]:port`, `mongodb://…` or `mongodb+srv://…`. Env: MSPASS_DB_ADDRESS. */
  databaseHost?: string;
  /** "local" (worker threads, the default), "redis" (`mspass worker` processes on many hosts) or "none". Env: MSPASS_SCHEDULER. */
  scheduler?: SchedulerKind;
  /**
   * Address of the distributed scheduler's Redis: `host`, `host:port` or `redis://[user:pass@]host:port[/db]`.
   * Env: MSPASS_SCHEDULER_ADDRESS. Required with `scheduler: "redis"`; the local scheduler does not use it.
   */
  schedulerHost?: string;
  /** Name of the job, recorded with the processing history. Default "mspass". */
  jobName?: string;
  /** Database `getDatabase()` returns without a name. Default "mspass". */
  databaseName?: string;
  /** A schema for the databases this client hands out: a path to a MsPASS-format YAML file, or a loaded schema. */
  schema?: unknown;
  /** How long to wait for the database server before failing. Default 10 000 ms. */
  serverSelectionTimeoutMS?: number;
  /** Connections per server in the process-wide pool (shared by every worker thread). Default 16. */
  maxPoolSize?: number;
  /** Options for the local scheduler. */
  nworkers?: number;
  /** Per-worker memory limits for the local scheduler (worker_threads `resourceLimits`; see LocalSchedulerOptions). */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
    stackSizeMb?: number;
  };
  /** Dashboard port (default 8787; the next free one if taken; `false` turns it off). Env: MSPASS_DASHBOARD_PORT. */
  dashboardPort?: number | false;
  /** Directory whose `.mspass/` holds the embedded database service. Default: the working directory. */
  projectDir?: string;
  /** Environment to read instead of `process.env` (for tests and embedding). */
  env?: Record<string, string | undefined>;
}

export interface ResolvedOptions {
  databaseHost?: string;
  databaseHostSource: "argument" | "MSPASS_DB_ADDRESS" | "default";
  mongodbPort?: number;
  scheduler: SchedulerKind;
  schedulerHost?: string;
  jobName: string;
  databaseName: string;
  schema?: unknown;
  serverSelectionTimeoutMS: number;
  maxPoolSize?: number;
  nworkers?: number;
  resourceLimits?: ClientOptions["resourceLimits"];
  dashboardPort?: number | false;
  projectDir?: string;
  env: Record<string, string | undefined>;
}

const KNOWN = new Set<string>([
  "databaseHost",
  "scheduler",
  "schedulerHost",
  "jobName",
  "databaseName",
  "schema",
  "serverSelectionTimeoutMS",
  "maxPoolSize",
  "nworkers",
  "resourceLimits",
  "dashboardPort",
  "projectDir",
  "env",
]);

export function resolveOptions(options: ClientOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new MsPASSError(`Client options must be an object, got ${describe(options)}`, "Fatal");
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new MsPASSError(`unknown Client option '${key}' (known: ${[...KNOWN].join(", ")})`, "Fatal");
    }
  }
  const env = options.env ?? process.env;

  let databaseHost: string | undefined;
  let databaseHostSource: ResolvedOptions["databaseHostSource"] = "default";
  if (options.databaseHost !== undefined && options.databaseHost !== null) {
    databaseHost = stringOption(options.databaseHost, "databaseHost");
    databaseHostSource = "argument";
  } else if (nonEmpty(env.MSPASS_DB_ADDRESS)) {
    databaseHost = env.MSPASS_DB_ADDRESS!.trim();
    databaseHostSource = "MSPASS_DB_ADDRESS";
  }
  const mongodbPort = nonEmpty(env.MONGODB_PORT) ? parsePort(env.MONGODB_PORT, "MONGODB_PORT") : undefined;

  const scheduler = parseScheduler(
    options.scheduler ?? (nonEmpty(env.MSPASS_SCHEDULER) ? env.MSPASS_SCHEDULER!.trim() : "local"),
    options.scheduler !== undefined ? "scheduler" : "MSPASS_SCHEDULER",
  );
  const schedulerHost =
    options.schedulerHost !== undefined
      ? stringOption(options.schedulerHost, "schedulerHost")
      : nonEmpty(env.MSPASS_SCHEDULER_ADDRESS)
        ? env.MSPASS_SCHEDULER_ADDRESS!.trim()
        : undefined;

  if (scheduler === "redis") {
    if (schedulerHost === undefined) {
      throw new MsPASSError(
        'scheduler "redis" needs the Redis address: pass schedulerHost (e.g. "redis://head:6379") or set MSPASS_SCHEDULER_ADDRESS',
        "Fatal",
      );
    }
    parseRedisAddress(
      schedulerHost,
      options.schedulerHost !== undefined ? "schedulerHost" : "MSPASS_SCHEDULER_ADDRESS",
    );
  }

  const timeout = options.serverSelectionTimeoutMS ?? 10_000;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
    throw new MsPASSError(
      `serverSelectionTimeoutMS must be a positive number of milliseconds, got ${describe(timeout)}`,
      "Fatal",
    );
  }
  if (options.maxPoolSize !== undefined)
    positiveInt(options.maxPoolSize, "maxPoolSize", { severity: "Fatal" });
  if (options.nworkers !== undefined) positiveInt(options.nworkers, "nworkers", { severity: "Fatal" });
  if (options.dashboardPort !== undefined && options.dashboardPort !== false && options.dashboardPort !== 0) {
    parsePort(options.dashboardPort, "dashboardPort");
  }
  const dashboardPort =
    options.dashboardPort !== undefined
      ? options.dashboardPort
      : nonEmpty(env.MSPASS_DASHBOARD_PORT)
        ? parsePort(env.MSPASS_DASHBOARD_PORT, "MSPASS_DASHBOARD_PORT")
        : undefined;

  return {
    databaseHost,
    databaseHostSource,
    mongodbPort,
    scheduler,
    schedulerHost,
    jobName: options.jobName === undefined ? "mspass" : stringOption(options.jobName, "jobName"),
    databaseName:
      options.databaseName === undefined
        ? "mspass"
        : databaseNameOption(options.databaseName, "databaseName"),
    schema: options.schema,
    serverSelectionTimeoutMS: timeout,
    maxPoolSize: options.maxPoolSize,
    nworkers: options.nworkers,
    resourceLimits: options.resourceLimits,
    dashboardPort,
    projectDir: options.projectDir === undefined ? undefined : stringOption(options.projectDir, "projectDir"),
    env,
  };
}

export function parseScheduler(value: unknown, what = "scheduler"): SchedulerKind {
  if (typeof value !== "string") {
    throw new MsPASSError(`${what} must be a string, got ${describe(value)}`, "Fatal");
  }
  const kind = value.trim().toLowerCase();
  if ((SCHEDULER_KINDS as readonly string[]).includes(kind)) return kind as SchedulerKind;
  const hint =
    kind === "dask" || kind === "spark"
      ? ` ('${kind}' is a Python scheduler; in Node the local worker-thread scheduler takes its place, and "redis" spans many hosts)`
      : "";
  throw new MsPASSError(
    `${what} must be one of ${SCHEDULER_KINDS.map((k) => `"${k}"`).join(", ")}, got "${value}"${hint}`,
    "Fatal",
  );
}

/** MongoDB database names: no empty names, no `/\. "$` and below 64 bytes. */
export function databaseNameOption(value: unknown, what: string): string {
  const name = stringOption(value, what);
  if (name === "" || /[/\\. "$\0]/.test(name) || Buffer.byteLength(name) >= 64) {
    throw new MsPASSError(
      `${what} ${JSON.stringify(name)} is not a valid database name (no empty names, no / \\ . " $ or spaces, under 64 bytes)`,
      "Fatal",
    );
  }
  return name;
}

function stringOption(value: unknown, what: string): string {
  if (typeof value !== "string")
    throw new MsPASSError(`${what} must be a string, got ${describe(value)}`, "Fatal");
  return value;
}

function nonEmpty(value: string | undefined): boolean {
  return typeof value === "string" && value.trim() !== "";
}
