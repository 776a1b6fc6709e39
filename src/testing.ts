/**
 * mspass/testing: throw-away servers for tests, benchmarks and demos — a
 * MongoDB-API server (FerretDB) and a Redis on free 127.0.0.1 ports, and a
 * local S3 server (SeaweedFS). Each lives in its own temporary directory and
 * is gone when stopped. Production deployments bring their own services and
 * reach them through `Client` (see the README), so none of this is in the
 * root export.
 */
export { startThrowawayDatabaseServer } from "./service/throwaway.js";
export type { ThrowawayDatabaseServer, ThrowawayDatabaseServerOptions } from "./service/throwaway.js";
export { startRedisServer } from "./service/redis.js";
export type { RedisServerOptions, RedisServerHandle } from "./service/redis.js";
export { startLocalS3Server, s3ServerBinary } from "./s3/local-server.js";
export type { LocalS3Server, LocalS3ServerOptions } from "./s3/local-server.js";
