/**
 * Starting the scheduler a Client asks for. Kept apart from the Client so the
 * Client does not grow a branch per scheduler kind.
 */
import type { ResolvedOptions, SchedulerKind } from "./options.js";
import { LocalScheduler } from "../scheduler/index.js";

/** What the Client needs from any scheduler it holds. */
export type Scheduler = LocalScheduler & { onDatabaseChanged?(uri: string): void };

export async function startScheduler(
  kind: SchedulerKind,
  options: Pick<ResolvedOptions, "nworkers" | "resourceLimits" | "dashboardPort" | "schedulerHost">,
  _databaseUri: string,
): Promise<Scheduler | null> {
  switch (kind) {
    case "none":
      return null;
    case "local":
      return LocalScheduler.start({
        nworkers: options.nworkers,
        resourceLimits: options.resourceLimits,
        dashboardPort: options.dashboardPort,
      });
  }
}
