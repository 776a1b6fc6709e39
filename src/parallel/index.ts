/**
 * Parallel database access (issue 5): one database client per worker
 * (MongoDBWorker), `fetchDbhandle`, distributed read and write. Importing
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
export { refuseDatabaseHandle } from "./guards.js";
