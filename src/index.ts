/**
 * mspass: the public API. Everything a workflow needs is exported from here.
 */
export { MsPASSError, SEVERITIES, isSeverity, maskCredentials } from "./errors.js";
export type { ErrorSeverity } from "./errors.js";
// The MsPASS Client: holds the clients of the database and scheduler services.
export { Client } from "./client/client.js";
export type { DatabaseSource } from "./client/client.js";
export type { ClientOptions, SchedulerKind } from "./client/options.js";
export type { Scheduler } from "./scheduler/scheduler.js";
// Loading the package installs the scheduler argument guard that refuses database handles as task arguments.
export { refuseDatabaseHandle } from "./client/handle-guards.js";
// Seismic data objects and the schema system.
export * from "./data/index.js";
export * from "./schema/index.js";
// Scheduler on worker threads: futures, bags, worker plugins, dashboard.
export * from "./scheduler/index.js";
// The distributed scheduler on BullMQ/Redis and its worker processes.
export * from "./scheduler/redis/index.js";
// The database service: find or start the local MongoDB-API server.
export * from "./service/index.js";
// Database access through the process-wide Rust pool.
export { DatabaseClient } from "./db/database-client.js";
export type { DatabaseClientOptions, PoolStats } from "./db/database-client.js";
export { Database } from "./db/database.js";
export type { DatabaseOptions } from "./db/database.js";
export { Collection } from "./db/collection.js";
export type {
  AggregateOptions,
  CountDocumentsOptions,
  CreateIndexOptions,
  DeleteResult,
  FindOneOptions,
  IndexDirection,
  IndexSpec,
  InsertManyOptions,
  InsertManyResult,
  InsertOneResult,
  UpdateOptions,
  UpdateResult,
} from "./db/collection.js";
export { Cursor } from "./db/cursor.js";
export type { CursorOptions, FindOptions, SortDirection, SortSpec } from "./db/cursor.js";
// Database.readData / saveData and dead-data handling.
export { Undertaker } from "./db/undertaker.js";
export type { BuryOptions, BuryResult } from "./db/undertaker.js";
export type { ReadDataOptions, SaveDataOptions } from "./db/io-options.js";
export type { ReadDataResult } from "./db/read.js";
export type { SaveDataResult } from "./db/save.js";
// Parallel database access: MongoDBWorker, fetchDbhandle, distributed read/write.
export * from "./parallel/index.js";
// Document maintenance and processing history: edits of stored documents.
export { GlobalHistoryManager, GLOBAL_HISTORY_INDEX } from "./db/history/global-history.js";
export type { GlobalHistoryManagerOptions, GlobalHistoryRecord } from "./db/history/global-history.js";
export { mspassMap, mspassFold, mspassParameters } from "./db/history/bag-logging.js";
export type { HistoryLogOptions, Logged } from "./db/history/bag-logging.js";
export type {
  SaveHistoryOptions,
  LoadHistoryOptions,
  SaveDataHistoryOptions,
  ReadDataHistoryOptions,
} from "./db/history/object-history.js";
export type { UpdateMetadataOptions, UpdateDataOptions } from "./db/maintenance/update.js";
export type { DeleteDataOptions, DeleteDataResult } from "./db/maintenance/delete.js";
export type { CleanOptions, CleanCollectionOptions } from "./db/maintenance/clean.js";
export { VERIFY_TESTS } from "./db/maintenance/verify.js";
export type { VerifyOptions, VerifyTest } from "./db/maintenance/verify.js";

// Station/event metadata and normalization
export * from "./normalize/index.js";
export { NULL_STARTTIME, NULL_ENDTIME, CHANNEL_XML_KEY, EVENT_XML_KEY } from "./inventory/save.js";
export type { SaveInventoryOptions, SaveInventoryResult, SaveCatalogOptions } from "./inventory/save.js";
export type {
  SeedSiteOptions,
  SeedChannelOptions,
  ReadInventoryOptions,
  InventoryDocuments,
} from "./inventory/lookup.js";
export type { UpdateStatement, BulkUpdateResult } from "./db/collection.js";
// S3: S3Worker, fetchS3Client, S3 storage modes, a local S3 server.
export * from "./s3/index.js";
// Processing algorithms in the Rust core, in place on the samples, and their ready task refs.
export * from "./algorithms/index.js";

// The binary codec of the data objects (what the schedulers send them as).
export { encodeFrame, decodeFrame, isDataObject } from "./data/codec.js";
export type { DataObject } from "./data/codec.js";
