#!/usr/bin/env node
/**
 * The `mspass` command: a small dispatcher over subcommands.
 *
 * To add a command, add an entry to COMMANDS: a one-line summary and a loader
 * that imports its module (each module exports `command: CliCommand`, see
 * args.ts). Loaders are lazy so one command's imports never slow another.
 *
 * Exit statuses: 0 success, 1 failure (one message, no stack trace; set
 * MSPASS_DEBUG=1 for the stack), 2 bad command line (usage printed),
 * 3 `db status` found no server running.
 */
import { MsPASSError, maskCredentials } from "../errors.js";
import { EXIT, UsageError, type CliCommand } from "./args.js";

interface CommandEntry {
  summary: string;
  load: () => Promise<CliCommand>;
}

const COMMANDS: Record<string, CommandEntry> = {
  db: {
    summary: "start, stop or inspect the local database server (start | stop | status)",
    load: async () => (await import("./db.js")).command,
  },
  worker: {
    summary: "run a worker process of the distributed scheduler (--scheduler redis://host:6379 --nthreads N)",
    load: async () => (await import("./worker.js")).command,
  },
  shell: {
    summary: "an interactive REPL with a connected client and db (top-level await)",
    load: async () => (await import("./shell.js")).command,
  },
  up: {
    summary: "start the database, scheduler (and notebook) for this directory (mspass-desktop.yaml)",
    load: async () => (await import("./desktop.js")).commands.up,
  },
  down: {
    summary: "stop what 'mspass up' started, and only that",
    load: async () => (await import("./desktop.js")).commands.down,
  },
  status: {
    summary: "each service 'mspass up' started and whether it answers",
    load: async () => (await import("./desktop.js")).commands.status,
  },
  run: {
    summary: "run a workflow script (.js, .mjs, .ts) against the services 'mspass up' started",
    load: async () => (await import("./desktop.js")).commands.run,
  },
  notebook: {
    summary: "JupyterLab with a TypeScript kernel in this directory (--install installs it)",
    load: async () => (await import("./notebook.js")).command,
  },
  hpc: {
    summary:
      "launch the services on a SLURM job's nodes, run a workflow, shut down (launch | run | status | shutdown)",
    load: async () => (await import("./hpc.js")).command,
  },
  demo: {
    summary: "save synthetic waveforms, read them back, check and report",
    load: async () => (await import("./demo.js")).command,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const list = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join("\n");
  return `Usage: mspass <command> [options]

Commands:
${list}

Run 'mspass <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage() + "\n");
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(`unknown command '${name}'`, usage());
  const command = await entry.load();
  return command.run(rest);
}

function report(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`mspass: ${err.message}\n\n${err.usage ?? usage()}\n`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`mspass: ${maskCredentials(message)}\n`);
  if (process.env.MSPASS_DEBUG && err instanceof Error && err.stack) {
    process.stderr.write(maskCredentials(err.stack) + "\n");
  } else if (!(err instanceof MsPASSError)) {
    process.stderr.write("(an unexpected error; set MSPASS_DEBUG=1 to see where)\n");
  }
  return EXIT.error;
}

// process.exit: a server spawned in the background or a closing driver must
// not keep the command waiting. Writes to pipes and files are synchronous on
// Linux and macOS, so nothing printed is lost.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(report(err)),
);
