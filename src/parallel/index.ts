/**
 * Parallel database access: one database client per worker
 * (MongoDBWorker), `fetchDbhandle`, distributed read, write and miniSEED
 * indexing. Importing
 * this module installs the scheduler argument guard that refuses database
 * handles as task arguments.
 */
import "./guards.js";
export { MongoDBWorker } from "./mongodb-worker.js";
export type { MongoDBWorkerOptions, MongoDBWorkerWire } from "./mongodb-worker.js";
export { fetchDbhandle } from "./fetch.js";
export { readDistributedData } from "./read.js";
export type { ReadDistributedOptions } from "./read.js";
export { writeDistributedData } from "./write.js";
export type { WriteDistributedOptions, WriteDistributedResult } from "./write.js";
export { indexMseedFiles } from "./mseed-index.js";
export type { IndexMseedFilesEntry, IndexMseedFilesOptions } from "./mseed-index.js";
export { refuseDatabaseHandle } from "./guards.js";
