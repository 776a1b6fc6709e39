/**
 * Test helper: a throw-away redis-server plus `mspass worker` processes (real
 * separate processes, run from the built CLI), all on 127.0.0.1 unless a
 * network-namespace prefix is given.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedisServer, type RedisServerHandle } from "mspass/testing";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface WorkerProc {
  child: ChildProcess;
  id: string;
  log: () => string;
}

/** An `mspass worker` child as it runs: everything it printed, and its end. */
export interface RawWorker {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  log: () => string;
  /** Resolves when it exits, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawn `mspass worker ARGS` (no waiting for "ready": see spawnWorker). */
export function runWorker(
  args: string[],
  env: Record<string, string> = {},
  prefix: string[] = [],
): RawWorker {
  const argv = [...prefix, process.execPath, CLI, "worker", ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, log: () => out, exited };
}

export interface Cluster {
  redis: RedisServerHandle;
  url: string;
  workers: WorkerProc[];
  spawnWorker(o?: {
    nthreads?: number;
    prefix?: string[];
    env?: Record<string, string>;
    args?: string[];
  }): Promise<WorkerProc>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  workers?: number;
  nthreads?: number;
  /** BullMQ lock + stalled-check period for the workers (ms). */
  stalledMs?: number;
  heartbeatMs?: number;
  env?: Record<string, string>;
  password?: string;
}

export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const redis = await startRedisServer({ password: o.password });
  const url = redis.url;
  const workers: WorkerProc[] = [];
  const spawnWorker = async (
    w: {
      nthreads?: number;
      prefix?: string[];
      env?: Record<string, string>;
      url?: string;
      args?: string[];
    } = {},
  ): Promise<WorkerProc> => {
    // A password never goes on the command line (`mspass worker` refuses it): it goes in the environment.
    const address = w.url ?? url;
    const viaEnv = /^rediss?:\/\/[^/]*:[^/]*@/.test(address);
    const args = [
      ...(viaEnv ? [] : ["--scheduler", address]),
      "--nthreads",
      String(w.nthreads ?? o.nthreads ?? 1),
      "--stalled-interval",
      String(o.stalledMs ?? 2000),
      "--heartbeat",
      String(o.heartbeatMs ?? 250),
      ...(w.args ?? []),
    ];
    const { child, log } = runWorker(
      args,
      { ...o.env, ...(viaEnv ? { MSPASS_SCHEDULER_ADDRESS: address } : {}), ...w.env },
      w.prefix,
    );
    const id = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mspass worker did not start in 60 s: ${log()}`)),
        60_000,
      );
      child.stdout!.on("data", () => {
        const m = /^ready (\S+)$/m.exec(log());
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`mspass worker exited (code ${code}): ${log()}`));
      });
    });
    const p = { child, id, log };
    workers.push(p);
    return p;
  };
  for (let i = 0; i < (o.workers ?? 2); i++) await spawnWorker();
  return {
    redis,
    url,
    workers,
    spawnWorker,
    async stop() {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
              w.child.once("exit", () => resolve());
              w.child.kill("SIGTERM");
              setTimeout(() => w.child.kill("SIGKILL"), 10_000).unref();
            }),
        ),
      );
      await redis.stop();
    },
  };
}
