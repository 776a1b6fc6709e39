/**
 * `mspass shell`: the MsPASS frontend as an interactive Node REPL.
 *
 * Connects a Client the usual way (arguments, then MSPASS_* environment, then
 * the embedded database service), and puts `client`, `db` (the default
 * database) and `mspass` (every export of the package) in the REPL's scope.
 * Top-level await works: `await db.wf_TimeSeries.countDocuments({})`.
 * Leaving the REPL (.exit, Ctrl-D) closes the Client — the database server
 * keeps running, as it does after a script.
 */
import repl from "node:repl";
import { resolve } from "node:path";
import { readDesktopState } from "../launcher/desktop-state.js";
import { workflowEnv } from "../launcher/desktop.js";
import { Client } from "../client/client.js";
import type { ClientOptions } from "../client/options.js";
import * as mspass from "../index.js";
import { EXIT, parseArgs, UsageError, type CliCommand } from "./args.js";

export const SHELL_USAGE = `Usage: mspass shell [options]

An interactive Node REPL with a connected \`client\` and \`db\`, and \`mspass\`
(the package's exports). Top-level await works. .exit or Ctrl-D leaves.

Options:
  --db-host ADDR     database address (default MSPASS_DB_ADDRESS, else the embedded server)
  --database NAME    the database \`db\` is (default mspass)
  --scheduler KIND   local (default), redis or none
  --nworkers N       local scheduler: worker threads (default: one per core)
  --dashboard-port N local scheduler: dashboard port (default 8787, the next free one if taken)
  --project-dir DIR  directory holding .mspass/ (default MSPASS_PROJECT_DIR, else the current directory)
  -h, --help         show this help`;

function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min))
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`, SHELL_USAGE);
  return n;
}

/** Client options from the shared frontend flags (also used by `mspass run`). */
export function clientOptionsFrom(options: Map<string, string>, usage: string): ClientOptions {
  const scheduler = options.get("scheduler");
  if (scheduler !== undefined && !["local", "none", "redis"].includes(scheduler)) {
    throw new UsageError(`--scheduler must be local, redis or none, got '${scheduler}'`, usage);
  }
  const out: ClientOptions = {};
  if (options.has("db-host")) out.databaseHost = options.get("db-host");
  if (options.has("database")) out.databaseName = options.get("database");
  if (scheduler) out.scheduler = scheduler as ClientOptions["scheduler"];
  const nworkers = intOption(options.get("nworkers"), "nworkers", 1);
  if (nworkers !== undefined) out.nworkers = nworkers;
  const dash = intOption(options.get("dashboard-port"), "dashboard-port", 0);
  if (dash !== undefined) out.dashboardPort = dash;
  if (options.has("project-dir")) out.projectDir = options.get("project-dir");
  return out;
}

async function runShell(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    {
      options: ["db-host", "database", "scheduler", "nworkers", "dashboard-port", "project-dir"],
      flags: ["help"],
    },
    SHELL_USAGE,
  );
  if (args.flags.has("help")) {
    process.stdout.write(SHELL_USAGE + "\n");
    return EXIT.ok;
  }
  if (args.positionals.length)
    throw new UsageError(`unexpected argument '${args.positionals[0]}'`, SHELL_USAGE);
  // After `mspass up` here, use its services (the environment still wins).
  const projectDir = args.options.get("project-dir") ?? process.env.MSPASS_PROJECT_DIR ?? process.cwd();
  const upState = readDesktopState(resolve(projectDir));
  const upEnv = upState ? workflowEnv(upState) : {};
  const env = { ...upEnv, ...process.env };
  const client = await Client.connect({ ...clientOptionsFrom(args.options, SHELL_USAGE), env });
  const db = client.getDatabase();
  const scheduler = client.getScheduler();
  const lines = [
    `mspass shell — database ${client.getDatabaseClient().address} (db = ${db.name}), scheduler ${client.schedulerType}` +
      (scheduler && "nworkers" in scheduler
        ? ` (${String((scheduler as { nworkers: number }).nworkers)} workers)`
        : ""),
  ];
  const link =
    scheduler && "dashboardLink" in scheduler
      ? (scheduler as { dashboardLink?: string }).dashboardLink
      : undefined;
  if (link) lines.push(`dashboard: ${link}`);
  lines.push("in scope: client, db, mspass — top-level await works; .exit to leave");
  process.stdout.write(lines.join("\n") + "\n");

  const server = repl.start({ prompt: "mspass> ", useGlobal: true });
  Object.assign(server.context, { client, db, mspass });
  // A REPL user may type `client = ...`: keep the names writable, as globals are.
  return new Promise<number>((resolve) => {
    server.on("exit", () => {
      client.close().then(
        () => resolve(EXIT.ok),
        (err: unknown) => {
          process.stderr.write(
            `mspass: closing the client failed: ${err instanceof Error ? err.message : String(err)}\n`,
          );
          resolve(EXIT.error);
        },
      );
    });
  });
}

export const command: CliCommand = { run: runShell };
