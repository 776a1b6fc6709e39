/**
 * `mspass db start|stop|status`: the local database server by hand.
 *
 * `start` prints only the URI on stdout (so `URI=$(mspass db start --port 0)`
 * works in scripts and CI); what it did goes to stderr.
 */
import { MsPASSError } from "../errors.js";
import { databaseServerStatus, startDatabaseServer, stopDatabaseServer } from "../service/index.js";
import { EXIT, parseArgs, UsageError, type CliCommand } from "./args.js";

export const DB_USAGE = `Usage: mspass db <start|stop|status> [options]

  start    start the local MongoDB-API server (or find the one running) and print its URI
  stop     stop the server mspass started; its data are kept
  status   print whether it runs, its kind, URI, pid and data directory
           (exit status 0 running, 3 stopped, 1 running but not answering)

Options:
  --port N           start: port on 127.0.0.1 (default MONGODB_PORT, else 27017; 0 picks a free one)
  --data-dir DIR     start: data directory (default <project dir>/.mspass/db)
  --engine E         start: auto (default: mongod if on PATH, else FerretDB), mongod or ferretdb
  --project-dir DIR  directory holding .mspass/ (default MSPASS_PROJECT_DIR, else the current directory)
  --json             status: print the status as JSON
  -h, --help         show this help

The server runs in the background and binds 127.0.0.1 only; state in
.mspass/db.json, output in .mspass/db.log.`;

function say(line: string): void {
  process.stderr.write(`mspass: ${line}\n`);
}

async function start(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    { options: ["port", "data-dir", "engine", "project-dir"], flags: ["help"] },
    DB_USAGE,
  );
  if (args.flags.has("help")) return help();
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, DB_USAGE);
  let port: number | undefined;
  const portText = args.options.get("port");
  if (portText !== undefined) {
    port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 0 && port <= 65535))
      throw new UsageError(`--port must be a port number 0-65535, got '${portText}'`, DB_USAGE);
  }
  const engine = args.options.get("engine");
  if (engine !== undefined && !["auto", "mongod", "ferretdb"].includes(engine)) {
    throw new UsageError(`--engine must be auto, mongod or ferretdb, got '${engine}'`, DB_USAGE);
  }
  const server = await startDatabaseServer({
    port,
    dataDir: args.options.get("data-dir"),
    engine: engine as "auto" | "mongod" | "ferretdb" | undefined,
    projectDir: args.options.get("project-dir"),
  });
  if (server.started) {
    say(
      `started ${server.kind} (pid ${server.pid}) at ${server.uri}; data in ${server.dataDir}; log ${server.logFile}`,
    );
  } else {
    say(`${server.kind} is already running (pid ${server.pid}) at ${server.uri}; data in ${server.dataDir}`);
  }
  process.stdout.write(`${server.uri}\n`);
  return EXIT.ok;
}

async function stop(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: ["project-dir"], flags: ["help"] }, DB_USAGE);
  if (args.flags.has("help")) return help();
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, DB_USAGE);
  const result = await stopDatabaseServer({ projectDir: args.options.get("project-dir") });
  if (result.foreignProjectDir !== undefined) {
    say(
      `the state file here was copied from ${result.foreignProjectDir}: its server belongs to that project and was left running ` +
        `(stop it there); removed the copied state file`,
    );
  } else if (result.stopped && result.server) {
    say(`stopped ${result.server.kind} (pid ${result.server.pid}); data kept in ${result.server.dataDir}`);
  } else if (result.staleCleaned) {
    say(
      `the database server was not running (pid ${result.server?.pid} is gone); removed its stale state file`,
    );
  } else {
    say("no database server started by mspass is running here");
  }
  return EXIT.ok;
}

async function status(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: ["project-dir"], flags: ["help", "json"] }, DB_USAGE);
  if (args.flags.has("help")) return help();
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, DB_USAGE);
  const st = await databaseServerStatus({ projectDir: args.options.get("project-dir") });
  const code = st.state === "running" ? EXIT.ok : st.state === "stopped" ? EXIT.stopped : EXIT.error;
  if (args.flags.has("json")) {
    process.stdout.write(
      JSON.stringify({ state: st.state, ...st.server, dataDir: st.dataDir, stateFile: st.stateFile }) + "\n",
    );
    return code;
  }
  const lines = [`status: ${st.state}`];
  if (st.server) {
    lines.push(`kind: ${st.server.kind}`, `uri: ${st.server.uri}`, `pid: ${st.server.pid}`);
  }
  lines.push(`data dir: ${st.dataDir}`);
  if (st.server) lines.push(`log: ${st.server.logFile}`, `started: ${st.server.startedAt}`);
  process.stdout.write(lines.join("\n") + "\n");
  if (st.staleCleaned) say("removed a stale state file (the recorded server process is gone)");
  if (st.state === "unresponsive")
    say(`the server process is alive but does not answer; see ${st.server?.logFile} or run 'mspass db stop'`);
  return code;
}

function help(): number {
  process.stdout.write(DB_USAGE + "\n");
  return EXIT.ok;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { start, stop, status };

export const command: CliCommand = {
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined) throw new UsageError("missing subcommand: start, stop or status", DB_USAGE);
    if (sub === "--help" || sub === "-h" || sub === "help") return help();
    const fn = SUBCOMMANDS[sub];
    if (!fn) throw new UsageError(`unknown db subcommand '${sub}'`, DB_USAGE);
    try {
      return await fn(rest);
    } catch (err) {
      // Invalid options detected by the service (e.g. a bad port) are usage errors here.
      if (
        err instanceof MsPASSError &&
        err.severity === "Invalid" &&
        /^(port|engine) must/.test(err.message)
      ) {
        throw new UsageError(err.message, DB_USAGE);
      }
      throw err;
    }
  },
};
