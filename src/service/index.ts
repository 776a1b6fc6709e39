/**
 * The database service: find or start the MongoDB-API server mspass uses
 * (`resolveDatabaseService`, called by `Client.connect`), and manage the one
 * mspass starts (`mspass db start|stop|status`).
 */
export { resolveDatabaseService, ensureDatabaseService } from "./resolve.js";
export type {
  ResolveDatabaseServiceOptions,
  ResolvedDatabaseService,
  EnsureDatabaseServiceOptions,
} from "./resolve.js";
export { startDatabaseServer, stopDatabaseServer, databaseServerStatus } from "./server.js";
export type {
  DatabaseServiceDirOptions,
  StartDatabaseServerOptions,
  StartedDatabaseServer,
  StopDatabaseServerOptions,
  StopResult,
  DatabaseServerInfo,
  DatabaseServerStatus,
} from "./server.js";
export type { DatabaseServerKind } from "./state.js";
export type { DatabaseEngine } from "./engines.js";
export { findFreePort } from "./ports.js";
export { servicePaths, MONGODB_DEFAULT_PORT } from "./paths.js";
export type { ServicePaths } from "./paths.js";
