/**
 * Parallel database access: one database client per worker
 * (MongoDBWorker), `fetchDbhandle`, distributed read, write and miniSEED
 * indexing.
 */
export { MongoDBWorker } from "./mongodb-worker.js";
export type { MongoDBWorkerOptions, MongoDBWorkerWire } from "./mongodb-worker.js";
export { fetchDbhandle } from "./fetch.js";
export { readDistributedData } from "./read.js";
export type { ReadDistributedOptions } from "./read.js";
export { writeDistributedData } from "./write.js";
export type { WriteDistributedOptions, WriteDistributedResult } from "./write.js";
export { indexMseedFiles } from "./mseed-index.js";
export type { IndexMseedFilesEntry, IndexMseedFilesOptions } from "./mseed-index.js";
