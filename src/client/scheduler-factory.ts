/**
 * Starting the scheduler a Client asks for. Kept apart from the Client so the
 * Client does not grow a branch per scheduler kind.
 */
import { MsPASSError } from "../errors.js";
import type { ResolvedOptions, SchedulerKind } from "./options.js";
import { LocalScheduler } from "../scheduler/index.js";
import { RedisScheduler } from "../scheduler/redis/scheduler.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { MongoDBWorker } from "../parallel/mongodb-worker.js";

/** The plugin name MsPASS registers its MongoDBWorker under. */
export const MONGODB_WORKER_PLUGIN = "mongodb_worker";

type StartOptions = Pick<ResolvedOptions, "nworkers" | "resourceLimits" | "dashboardPort" | "schedulerHost"> &
  Partial<Pick<ResolvedOptions, "maxPoolSize" | "serverSelectionTimeoutMS" | "jobName" | "schema">>;

function dbWorker(uri: string, options: StartOptions): MongoDBWorker {
  const pool = {
    ...(options.maxPoolSize === undefined ? {} : { maxPoolSize: options.maxPoolSize }),
    ...(options.serverSelectionTimeoutMS === undefined
      ? {}
      : { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }),
    ...(options.jobName === undefined ? {} : { appName: options.jobName }),
  };
  return new MongoDBWorker({
    uri,
    dbclientKey: "dbclient",
    pool,
    ...(typeof options.schema === "string" ? { schema: options.schema } : {}),
  });
}

export async function startScheduler(
  kind: SchedulerKind,
  options: StartOptions,
  databaseUri: string,
): Promise<Scheduler | null> {
  switch (kind) {
    case "none":
      return null;
    case "local":
    case "redis": {
      if (kind === "redis" && options.schedulerHost === undefined) {
        throw new MsPASSError(
          'scheduler "redis" needs the Redis address (schedulerHost or MSPASS_SCHEDULER_ADDRESS)',
          "Fatal",
        );
      }
      const s: Scheduler =
        kind === "redis"
          ? await RedisScheduler.start({
              address: options.schedulerHost!,
              dashboardPort: options.dashboardPort,
            })
          : await LocalScheduler.start({
              nworkers: options.nworkers,
              resourceLimits: options.resourceLimits,
              dashboardPort: options.dashboardPort,
            });
      // As MsPASS's Client does for dask: every worker keeps one database
      // client (a handle on this process's shared pool) for fetchDbhandle.
      try {
        await s.registerPlugin(dbWorker(databaseUri, options), { name: MONGODB_WORKER_PLUGIN });
      } catch (err) {
        await s.close();
        throw err;
      }
      return s;
    }
  }
}

/**
 * Client.setDatabaseClient: the workers switch to the new server too
 * (registering the name again replaces the plugin on every worker). A
 * failure is the scheduler's "plugin-error" event.
 */
export function switchWorkerDatabase(s: Scheduler, uri: string, options: StartOptions): void {
  if (s.closed) return;
  s.registerPlugin(dbWorker(uri, options), { name: MONGODB_WORKER_PLUGIN }).catch((err: unknown) => {
    s.emit("plugin-error", { name: MONGODB_WORKER_PLUGIN, error: err });
  });
}
