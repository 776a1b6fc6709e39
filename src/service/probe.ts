/**
 * Is a MongoDB-API server answering at an address? Asked with a real `ping`
 * through the official driver, after a plain TCP connect that tells a closed
 * port (nothing there: we may start a server) from a port held by something
 * else (we must not, and the user must be told).
 */
import { createConnection, createServer } from "node:net";
import { MongoClient } from "mongodb";

/**
 * - `"mongodb"`: a MongoDB-API server answered `ping`;
 * - `"closed"`: nothing accepts connections there;
 * - `"other"`: something accepts connections but does not speak MongoDB.
 */
export type ProbeResult = "mongodb" | "closed" | "other";

/** True when a TCP connection to host:port is accepted within timeoutMS. */
export function tcpAccepts(host: string, port: number, timeoutMS: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMS, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Send `ping` to the server at `uri` (a single direct connection) and resolve
 * true if it answers within timeoutMS. Never throws.
 */
export async function pingMongo(uri: string, timeoutMS: number): Promise<boolean> {
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(uri, {
      directConnection: true,
      serverSelectionTimeoutMS: timeoutMS,
      connectTimeoutMS: timeoutMS,
      socketTimeoutMS: timeoutMS,
      maxPoolSize: 1,
    });
    await client.db("admin").command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    // FerretDB does not implement endSessions; close() swallows that error.
    await client?.close().catch(() => undefined);
  }
}

/** Classify what listens on host:port (see ProbeResult). */
export async function probeMongo(host: string, port: number, timeoutMS: number): Promise<ProbeResult> {
  if (!(await tcpAccepts(host, port, timeoutMS))) return "closed";
  const h = host.includes(":") ? `[${host}]` : host;
  return (await pingMongo(`mongodb://${h}:${port}/`, timeoutMS)) ? "mongodb" : "other";
}

/**
 * A TCP port free on 127.0.0.1 right now (the kernel's choice for port 0).
 * Another process could take it before it is used; the server start checks.
 */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
