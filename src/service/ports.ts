/**
 * TCP ports of the services mspass starts: a free one to listen on, whether
 * one is taken, whether something answers there.
 */
import { createConnection, createServer } from "node:net";
import { MsPASSError } from "../errors.js";

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

/** True when something accepts TCP connections on host:port. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

/** True when this process could listen on host:port now. */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once("error", () => res(false));
    srv.listen(port, host, () => srv.close(() => res(true)));
  });
}

/** One clear error for a port another program holds. */
export async function requirePortFree(
  port: number,
  what: string,
  option: string,
  host = "127.0.0.1",
): Promise<void> {
  if (port !== 0 && !(await portFree(port, host))) {
    throw new MsPASSError(
      `port ${port} on ${host} (for ${what}) is taken by another program; free it or choose another with ${option}`,
      "Fatal",
    );
  }
}
