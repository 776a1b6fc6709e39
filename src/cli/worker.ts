/**
 * `mspass worker --scheduler redis://host:6379 [--nthreads N] [--queue NAME]
 *  [--stalled-interval MS] [--max-stalled N] [--heartbeat MS] [--death-timeout S]`
 *
 * One worker process of the distributed scheduler: N worker threads (the
 * local pool), one database connection pool, jobs from BullMQ on that Redis.
 * `--scheduler` falls back on MSPASS_SCHEDULER_ADDRESS, `--death-timeout` on
 * MSPASS_WORKER_DEATH_TIMEOUT. Runs until SIGTERM or SIGINT, then finishes
 * (or hands back) the jobs in hand within seconds, tears plugins down and
 * exits 0; without Redis for the death timeout it exits 1 with one error.
 */
import { EXIT, UsageError, parseArgs, type CliCommand } from "./args.js";
import { readFileSync } from "node:fs";
import { RedisWorkerProcess } from "../scheduler/redis/worker-process.js";
import { parseRedisAddress } from "../scheduler/redis/address.js";

const USAGE = `Usage: mspass worker --scheduler ADDRESS [options]

Run a worker process of the distributed (Redis) scheduler on this host.

Options:
  --scheduler ADDRESS     Redis: host, host:port or redis://[user@]host:port, with no
                          password: the command line is public (default:
                          MSPASS_SCHEDULER_ADDRESS, which may carry one)
  --password-file FILE    read the Redis password from FILE
  --nthreads N            worker threads in this process (default: the cores)
  --queue NAME            cluster name, as the client's (default "mspass")
  --stalled-interval MS   job lock and stalled-job check period (default 30000)
  --max-stalled N         times a job may stall before it fails (default 1)
  --heartbeat MS          heartbeat period for the dashboard (default 1000)
  --death-timeout S       give up (exit 1) after S seconds without Redis, at start
                          or later (default 60; MSPASS_WORKER_DEATH_TIMEOUT)`;

/** Past this after SIGTERM/SIGINT the process exits whatever is still closing (close() is bounded below it). */
const STOP_DEADLINE_MS = 6000;

function secondsOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^\d+(\.\d+)?$/.test(t) || Number(t) <= 0)
    throw new UsageError(`${name} must be a positive number of seconds, got ${JSON.stringify(v)}`, USAGE);
  return Number(t) * 1000;
}

function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`, USAGE);
  return Number(v);
}

/**
 * The Redis address to connect with. A password never comes from the command
 * line (every user of the host sees it with `ps`): it comes from
 * MSPASS_SCHEDULER_ADDRESS or from --password-file.
 */
function schedulerAddress(option: string | undefined, passwordFile: string | undefined): string {
  const address = option ?? process.env.MSPASS_SCHEDULER_ADDRESS?.trim();
  if (!address) throw new UsageError("--scheduler is required (or set MSPASS_SCHEDULER_ADDRESS)", USAGE);
  const parsed = parseRedisAddress(
    address,
    option !== undefined ? "--scheduler" : "MSPASS_SCHEDULER_ADDRESS",
  );
  if (option !== undefined && parsed.connection.password !== undefined) {
    throw new UsageError(
      `--scheduler ${parsed.display}: a password on the command line is visible to every user (ps); ` +
        "set MSPASS_SCHEDULER_ADDRESS to the address instead, or put the password in a file and pass --password-file FILE",
      USAGE,
    );
  }
  if (passwordFile === undefined) return address;
  let password: string;
  try {
    password = readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    throw new UsageError(
      `--password-file: cannot read ${passwordFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      USAGE,
    );
  }
  if (password === "") throw new UsageError(`--password-file: ${passwordFile} is empty`, USAGE);
  const url = new URL(parsed.url);
  url.password = encodeURIComponent(password);
  return url.toString();
}

export const command: CliCommand = {
  async run(argv) {
    const a = parseArgs(
      argv,
      {
        options: [
          "scheduler",
          "password-file",
          "nthreads",
          "queue",
          "stalled-interval",
          "max-stalled",
          "heartbeat",
          "death-timeout",
        ],
        flags: ["help"],
      },
      USAGE,
    );
    if (a.flags.has("help")) {
      process.stdout.write(USAGE + "\n");
      return EXIT.ok;
    }
    if (a.positionals.length > 0) throw new UsageError(`unexpected argument '${a.positionals[0]}'`, USAGE);
    const address = schedulerAddress(a.options.get("scheduler"), a.options.get("password-file"));
    const deathTimeoutMs =
      a.options.get("death-timeout") !== undefined
        ? secondsOption(a.options.get("death-timeout"), "--death-timeout")
        : secondsOption(process.env.MSPASS_WORKER_DEATH_TIMEOUT, "MSPASS_WORKER_DEATH_TIMEOUT");
    const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    // A signal while starting (e.g. waiting for Redis) stops at once: there is nothing to finish.
    const early = (): never => process.exit(EXIT.ok);
    process.once("SIGTERM", early);
    process.once("SIGINT", early);
    const w = await RedisWorkerProcess.start({
      scheduler: address,
      nthreads: intOption(a.options.get("nthreads"), "nthreads"),
      queue: a.options.get("queue"),
      stalledIntervalMs: intOption(a.options.get("stalled-interval"), "stalled-interval"),
      maxStalledCount: intOption(a.options.get("max-stalled"), "max-stalled"),
      heartbeatMs: intOption(a.options.get("heartbeat"), "heartbeat"),
      deathTimeoutMs,
      log,
    });
    process.off("SIGTERM", early);
    process.off("SIGINT", early);
    process.stdout.write(`ready ${w.id}\n`);
    const signal = new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    const outcome = await Promise.race([signal, w.dead]);
    if (outcome instanceof Error) throw outcome; // it closed itself; main prints it once, exit 1
    log(`stopping ${w.id} (${outcome})`);
    // A second signal, or a close that outlives the deadline, ends the process now.
    const now = (why: string) => (): void => {
      log(`${why}: exiting without waiting for ${w.id} to close`);
      process.exit(EXIT.error);
    };
    process.once("SIGTERM", now("second signal"));
    process.once("SIGINT", now("second signal"));
    setTimeout(now(`not closed after ${STOP_DEADLINE_MS / 1000} s`), STOP_DEADLINE_MS).unref();
    await w.close();
    return EXIT.ok;
  },
};
