/**
 * `mspass up | down | status | run`: MsPASS desktop's Launch, Shutdown,
 * Status and Run, without Docker (src/launcher/desktop.ts).
 */
import { MsPASSError, maskCredentials } from "../errors.js";
import { desktopDown, desktopRun, desktopStatus, desktopUp } from "../launcher/desktop.js";
import { loadDesktopConfig } from "../launcher/desktop-config.js";
import { findProgram } from "../launcher/processes.js";
import { spawn } from "node:child_process";
import { EXIT, parseArgs, UsageError, type CliCommand } from "./args.js";

const COMMON = `  --config FILE      configuration (default: mspass-desktop.yaml in ., ./data/yaml, ../data/yaml, $MSPASS_HOME)
  -h, --help         show this help`;

export const UP_USAGE = `Usage: mspass up [--config FILE] [--notebook] [--open]

Start the services a workflow needs: the database (the embedded server, or
database_host), the scheduler (local: worker threads in each workflow
process; redis: redis-server + 'workers' mspass worker processes) and, with
--notebook or 'notebook: true', JupyterLab. Records them in .mspass/desktop.json.

Options:
  --notebook         also start JupyterLab (mspass notebook --install first)
  --open             open the notebook in web_browser from the configuration
${COMMON}`;

export const DOWN_USAGE = `Usage: mspass down [--config FILE]

Stop what 'mspass up' started here, and only that (a database server that was
already running stays up).

Options:
${COMMON}`;

export const STATUS_USAGE = `Usage: mspass status [--config FILE] [--watch] [--json]

Each service 'mspass up' recorded and whether it answers. Exit status 0 all up,
3 nothing up, 1 some service down.

Options:
  --watch            repeat every status_monitor_time_interval seconds
  --json             print JSON
${COMMON}`;

export const RUN_USAGE = `Usage: mspass run [--config FILE] SCRIPT [ARGS...]

Run a workflow against the services 'mspass up' started: SCRIPT gets
MSPASS_DB_ADDRESS, MSPASS_SCHEDULER and MSPASS_SCHEDULER_ADDRESS, so a plain
Client.connect() uses them. SCRIPT is .js/.mjs/.cjs, or .ts/.mts (compiled
with the typescript package; Node 20 cannot run TypeScript itself).
Exit status: the script's.

Options:
${COMMON}`;

function say(line: string): void {
  process.stderr.write(`mspass: ${line}\n`);
}

function help(usage: string): number {
  process.stdout.write(usage + "\n");
  return EXIT.ok;
}

const up: CliCommand = {
  async run(argv) {
    const a = parseArgs(argv, { options: ["config"], flags: ["help", "notebook", "open"] }, UP_USAGE);
    if (a.flags.has("help")) return help(UP_USAGE);
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`, UP_USAGE);
    const r = await desktopUp({
      config: a.options.get("config"),
      notebook: a.flags.has("notebook") || undefined,
      log: say,
    });
    if (r.config.file) say(`configuration: ${r.config.file}`);
    if (r.config.ignoredKeys.length) say(`ignored (Docker-only) keys: ${r.config.ignoredKeys.join(", ")}`);
    if (!r.started) say("already up; 'mspass status' shows the services");
    for (const s of r.state.services) {
      process.stdout.write(
        `${s.name}: ${s.kind}${s.address ? ` ${maskCredentials(s.address)}` : ""}${s.pid ? ` (pid ${s.pid})` : ""}${s.note ? ` — ${s.note}` : ""}\n`,
      );
    }
    const nb = r.state.services.find((s) => s.name === "notebook");
    if (a.flags.has("open") && nb?.address) {
      const browser = r.config.webBrowser ?? (findProgram("xdg-open") ? "xdg-open" : undefined);
      if (!browser)
        say("no web_browser in the configuration and no xdg-open: open the notebook URL above by hand");
      else
        spawn(browser, [nb.address], { detached: true, stdio: "ignore" })
          .on("error", (e) => say(`cannot start ${browser}: ${e.message}`))
          .unref();
    }
    return EXIT.ok;
  },
};

const down: CliCommand = {
  async run(argv) {
    const a = parseArgs(argv, { options: ["config"], flags: ["help"] }, DOWN_USAGE);
    if (a.flags.has("help")) return help(DOWN_USAGE);
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`, DOWN_USAGE);
    const r = await desktopDown({ config: a.options.get("config") });
    if (!r.wasUp) {
      say("nothing was up here");
      return EXIT.ok;
    }
    for (const s of r.stopped) say(`stopped ${s.name} (${s.kind}${s.pid ? `, pid ${s.pid}` : ""})`);
    for (const s of r.left) say(`left ${s.name} running (${s.kind}; 'mspass up' did not start it)`);
    return EXIT.ok;
  },
};

const status: CliCommand = {
  async run(argv) {
    const a = parseArgs(argv, { options: ["config"], flags: ["help", "watch", "json"] }, STATUS_USAGE);
    if (a.flags.has("help")) return help(STATUS_USAGE);
    if (a.positionals.length) throw new UsageError(`unexpected argument '${a.positionals[0]}'`, STATUS_USAGE);
    const opts = { config: a.options.get("config") };
    const once = async (): Promise<number> => {
      const st = await desktopStatus(opts);
      if (a.flags.has("json")) process.stdout.write(maskCredentials(JSON.stringify(st)) + "\n");
      else if (!st.state) process.stdout.write("nothing is up here ('mspass up' starts the services)\n");
      else
        for (const s of st.services)
          process.stdout.write(
            `${s.name.padEnd(10)} ${s.health.padEnd(14)} ${s.kind}${s.address ? ` ${maskCredentials(s.address)}` : ""}${s.pid ? ` pid ${s.pid}` : ""}\n`,
          );
      if (!st.state) return EXIT.stopped;
      return st.services.some((s) => s.health === "stopped" || s.health === "not answering")
        ? EXIT.error
        : EXIT.ok;
    };
    if (!a.flags.has("watch")) return once();
    const interval = loadDesktopConfig(opts).statusIntervalMs;
    for (;;) {
      process.stdout.write(`-- ${new Date().toISOString()}\n`);
      await once();
      await new Promise((r) => setTimeout(r, interval));
    }
  },
};

const run: CliCommand = {
  async run(argv) {
    // Options before the script are ours; everything after it is the script's.
    const idx = argv.findIndex((x, i) => !x.startsWith("-") && argv[i - 1] !== "--config");
    const own = idx < 0 ? argv : argv.slice(0, idx);
    const a = parseArgs(own, { options: ["config"], flags: ["help"] }, RUN_USAGE);
    if (a.flags.has("help")) return help(RUN_USAGE);
    if (idx < 0) throw new UsageError("missing the workflow SCRIPT to run", RUN_USAGE);
    try {
      return await desktopRun(argv[idx]!, argv.slice(idx + 1), { config: a.options.get("config") });
    } catch (err) {
      if (err instanceof MsPASSError && err.severity === "Invalid" && /^cannot run/.test(err.message))
        throw new UsageError(err.message, RUN_USAGE);
      throw err;
    }
  },
};

export const commands = { up, down, status, run };
