/**
 * A throw-away `redis-server` (Debian's; `scripts/ensure-redis.sh` installs
 * it) for tests, benches and single-host use of the distributed scheduler:
 * no persistence (`--save "" --appendonly no`), its own directory, bound to
 * 127.0.0.1 unless told otherwise, on a free port unless given one.
 * `restart()` stops it and starts it again on the same port (empty, as a
 * server restarted without persistence is); `stop()` removes its directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MsPASSError } from "../errors.js";
import { findFreePort } from "./ports.js";
import { stopChild } from "./processes.js";
import { packageRoot } from "./paths.js";

export interface RedisServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default: a free one on `host`). */
  port?: number;
  /** The redis-server executable (default "redis-server" on PATH). */
  bin?: string;
  /** Wrap the command, e.g. ["ip", "netns", "exec", "ns1"] to run it in a network namespace. */
  prefix?: string[];
  /** Require this password (`--requirepass`); `url` then carries it (never print `url`). */
  password?: string;
}

export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://host:port` (`redis://:password@host:port` with a password: a secret) */
  readonly url: string;
  readonly pid: number | undefined;
  /** Stop (SIGKILL when `hard`), then start again on the same port, empty. */
  restart(options?: { hard?: boolean; downMs?: number }): Promise<void>;
  /** Stop it and remove its directory. Idempotent. */
  stop(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const host = options.host ?? "127.0.0.1";
  const prefix = options.prefix ?? [];
  // Under a prefix (another network namespace) `host` may not exist here: a
  // port free on this side's loopback is as good as any in a fresh namespace.
  const port = options.port ?? (await findFreePort(prefix.length > 0 ? "127.0.0.1" : host));
  const dir = mkdtempSync(join(tmpdir(), "mspass-redis-"));
  const bin = options.bin ?? "redis-server";
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    // The password goes in a config read from stdin ("-"), not on the command line where `ps` shows it.
    const args = [
      bin,
      "-",
      "--bind",
      host,
      "--port",
      String(port),
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
      "--loglevel",
      "notice",
    ];
    const argv = [...prefix, ...args];
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    c.stdin!.end(options.password === undefined ? "" : `requirepass ${JSON.stringify(options.password)}\n`);
    child = c;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.kill("SIGKILL"); // never leave a half-started server behind
        reject(
          new MsPASSError(
            `redis-server did not start on ${host}:${port} within 10 s: ${out.slice(-500)}`,
            "Fatal",
          ),
        );
      }, 10_000);
      const onData = (d: Buffer): void => {
        out += d.toString();
      };
      c.stdout!.on("data", onData);
      c.stderr!.on("data", onData);
      c.once("error", (err) => {
        clearTimeout(timer);
        reject(
          new MsPASSError(
            `cannot run ${bin}: ${err.message} (install it with bash ${join(packageRoot(), "scripts", "ensure-redis.sh")})`,
            "Fatal",
          ),
        );
      });
      c.once("exit", (code) => {
        clearTimeout(timer);
        reject(
          new MsPASSError(
            `redis-server exited early (code ${code}) on ${host}:${port}: ${out.slice(-500)}`,
            "Fatal",
          ),
        );
      });
      // Ready when it says so: read from its log, which works as well inside
      // another network namespace, where this process cannot connect to it.
      const ready = (): void => {
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout!.on("data", ready);
    });
    c.stdout!.resume();
    c.stderr!.resume();
    c.removeAllListeners("exit");
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child !== undefined) await stopChild(child, signal);
  };

  await launch();
  let stopped = false;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port,
    url: `redis://${options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`}${hostPart}:${port}`,
    get pid() {
      return child?.pid;
    },
    async restart(o = {}) {
      await kill(o.hard ? "SIGKILL" : "SIGTERM");
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
