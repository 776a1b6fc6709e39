/**
 * `mspass worker --scheduler redis://host:6379 [--nthreads N] [--queue NAME]
 *  [--stalled-interval MS] [--max-stalled N] [--heartbeat MS]`
 *
 * One worker process of the distributed scheduler: N worker threads (the
 * local pool), one database connection pool, jobs from BullMQ on that Redis.
 * `--scheduler` falls back on MSPASS_SCHEDULER_ADDRESS. Runs until SIGTERM or
 * SIGINT, then finishes the jobs in hand, tears plugins down and exits 0.
 */
import { EXIT, UsageError, parseArgs, type CliCommand } from "./args.js";
import { RedisWorkerProcess } from "../scheduler/redis/worker-process.js";

const USAGE = `Usage: mspass worker --scheduler ADDRESS [options]

Run a worker process of the distributed (Redis) scheduler on this host.

Options:
  --scheduler ADDRESS     Redis: host, host:port or redis://[user:pass@]host:port
                          (default: MSPASS_SCHEDULER_ADDRESS)
  --nthreads N            worker threads in this process (default: the cores)
  --queue NAME            cluster name, as the client's (default "mspass")
  --stalled-interval MS   job lock and stalled-job check period (default 30000)
  --max-stalled N         times a job may stall before it fails (default 1)
  --heartbeat MS          heartbeat period for the dashboard (default 1000)`;

function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`, USAGE);
  return Number(v);
}

export const command: CliCommand = {
  async run(argv) {
    const a = parseArgs(argv, { options: ["scheduler", "nthreads", "queue", "stalled-interval", "max-stalled", "heartbeat"], flags: ["help"] }, USAGE);
    if (a.flags.has("help")) {
      process.stdout.write(USAGE + "\n");
      return EXIT.ok;
    }
    if (a.positionals.length > 0) throw new UsageError(`unexpected argument '${a.positionals[0]}'`, USAGE);
    const address = a.options.get("scheduler") ?? process.env.MSPASS_SCHEDULER_ADDRESS?.trim();
    if (!address) throw new UsageError("--scheduler is required (or set MSPASS_SCHEDULER_ADDRESS)", USAGE);
    const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const w = await RedisWorkerProcess.start({
      scheduler: address,
      nthreads: intOption(a.options.get("nthreads"), "nthreads"),
      queue: a.options.get("queue"),
      stalledIntervalMs: intOption(a.options.get("stalled-interval"), "stalled-interval"),
      maxStalledCount: intOption(a.options.get("max-stalled"), "max-stalled"),
      heartbeatMs: intOption(a.options.get("heartbeat"), "heartbeat"),
      log,
    });
    process.stdout.write(`ready ${w.id}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    log(`stopping ${w.id}`);
    await w.close();
    return EXIT.ok;
  },
};
