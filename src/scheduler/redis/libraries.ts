/**
 * BullMQ and the ioredis client it brings, loaded the first time the Redis
 * scheduler or a `mspass worker` process needs them.
 *
 * They are an optional peer dependency: the local scheduler (the default)
 * runs without them, and they are a good part of the package's install
 * size, so `npm install mspass` leaves them out. They are loaded
 * synchronously (`require`; both ship CommonJS) so the callers keep their
 * shape, ioredis from where BullMQ resolves it (the version BullMQ was built
 * against), and their absence is one clear error saying what to install.
 * Every other module imports only their types.
 */
import { createRequire } from "node:module";
import { MsPASSError } from "../../errors.js";

export interface RedisLibraries {
  bullmq: typeof import("bullmq");
  ioredis: typeof import("ioredis");
}

let loaded: RedisLibraries | undefined;

/** BullMQ and ioredis, or an `MsPASSError` naming the install command when BullMQ is not installed. */
export function redisLibraries(): RedisLibraries {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  let bullmqPath: string;
  try {
    bullmqPath = require.resolve("bullmq");
  } catch (err) {
    throw new MsPASSError(
      "the Redis scheduler needs BullMQ, which is not installed: run `npm install bullmq` in your project " +
        "(the local scheduler, the default, does not need it)",
      "Fatal",
      { cause: err },
    );
  }
  loaded = {
    bullmq: require(bullmqPath) as RedisLibraries["bullmq"],
    ioredis: createRequire(bullmqPath)("ioredis") as RedisLibraries["ioredis"],
  };
  return loaded;
}
