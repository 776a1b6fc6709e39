/**
 * The Redis address forms the distributed scheduler accepts, the MsPASS way
 * (as for the database): a bare `host`, `host:port`, `[ipv6]:port`, or a
 * full `redis://[user:password@]host:port[/db]` / `rediss://…` URL. The
 * default port is 6379. Credentials never leave this module unmasked except
 * in the connection options handed to ioredis.
 */
import { MsPASSError, maskCredentials } from "../../errors.js";

export const DEFAULT_REDIS_PORT = 6379;

export interface RedisAddress {
  /** The URL with credentials (connect with it; never print it). */
  readonly url: string;
  /** The same URL with credentials masked: for messages, logs and the dashboard. */
  readonly display: string;
  readonly host: string;
  readonly port: number;
  /** ioredis connection options (BullMQ's `connection`). */
  readonly connection: {
    host: string;
    port: number;
    username?: string;
    password?: string;
    db?: number;
    tls?: Record<string, never>;
  };
}

export function parseRedisAddress(address: unknown, what = "schedulerHost"): RedisAddress {
  if (typeof address !== "string" || address.trim() === "") {
    throw new MsPASSError(
      `${what} must be a Redis address (host, host:port or redis://host:port), got ${JSON.stringify(address)}`,
      "Fatal",
    );
  }
  let text = address.trim();
  if (!text.includes("://")) text = `redis://${text}`;
  if (!/^rediss?:\/\//i.test(text)) {
    throw new MsPASSError(
      `${what} has an unsupported scheme: ${maskCredentials(text)} (use redis:// or rediss://)`,
      "Fatal",
    );
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new MsPASSError(`${what} is not a valid Redis address: ${maskCredentials(text)}`, "Fatal");
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new MsPASSError(`${what} has no host: ${maskCredentials(text)}`, "Fatal");
  const port = u.port === "" ? DEFAULT_REDIS_PORT : Number(u.port);
  const dbText = u.pathname.replace(/^\//, "");
  if (dbText !== "" && !/^\d+$/.test(dbText)) {
    throw new MsPASSError(
      `${what}: the database number must be an integer, got "${dbText}" in ${maskCredentials(text)}`,
      "Fatal",
    );
  }
  const tls = u.protocol === "rediss:";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const auth = u.username !== "" || u.password !== "" ? `${u.username}:${u.password}@` : "";
  const url = `${u.protocol}//${auth}${hostPart}:${port}${dbText === "" ? "" : `/${dbText}`}`;
  return {
    url,
    display: maskCredentials(url),
    host,
    port,
    connection: {
      host,
      port,
      ...(u.username !== "" ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password !== "" ? { password: decodeURIComponent(u.password) } : {}),
      ...(dbText !== "" ? { db: Number(dbText) } : {}),
      ...(tls ? { tls: {} } : {}),
    },
  };
}
