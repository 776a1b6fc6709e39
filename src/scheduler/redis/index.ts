/**
 * The distributed scheduler on BullMQ/Redis (re-exported by src/index.ts).
 *
 * ```ts
 * // on each host:   mspass worker --scheduler redis://head:6379 --nthreads 8
 * const client = await Client.connect({ scheduler: "redis", schedulerHost: "redis://head:6379" });
 * const s = client.getScheduler()!;          // same API as LocalScheduler
 * ```
 */
export { RedisScheduler } from "./scheduler.js";
export type { RedisSchedulerOptions, RemoteWorkerInfo } from "./scheduler.js";
export { RedisWorkerProcess } from "./worker-process.js";
export type { RedisWorkerOptions } from "./worker-process.js";
export { parseRedisAddress, DEFAULT_REDIS_PORT } from "./address.js";
export type { RedisAddress } from "./address.js";
