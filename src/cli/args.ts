/**
 * Small helpers shared by the `mspass` subcommands: a strict option parser
 * and the error that means "bad command line" (usage printed, exit status 2).
 */

/** A command-line mistake: the dispatcher prints the message and the usage, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** Exit statuses used by every subcommand. */
export const EXIT = { ok: 0, error: 1, usage: 2, stopped: 3 } as const;

export interface ParsedArgs {
  /** `--name value` / `--name=value` options, by name without the dashes. */
  options: Map<string, string>;
  /** Boolean `--flag`s that were present. */
  flags: Set<string>;
  /** Everything else, in order. */
  positionals: string[];
}

/**
 * Parse argv against the known option names (take a value) and flag names
 * (no value). Unknown options throw UsageError naming them.
 */
export function parseArgs(
  argv: readonly string[],
  spec: { options?: string[]; flags?: string[] },
  usage?: string,
): ParsedArgs {
  const valued = new Set(spec.options ?? []);
  const flagNames = new Set(spec.flags ?? []);
  const out: ParsedArgs = { options: new Map(), flags: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "--") {
      if (arg === "-h") out.flags.add("help");
      else out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (flagNames.has(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`, usage);
      out.flags.add(name);
    } else if (valued.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`, usage);
      out.options.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`, usage);
    }
  }
  return out;
}

/** One `mspass <name>` subcommand. */
export interface CliCommand {
  /** Runs the command with the arguments after its name; resolves to the exit status. */
  run(argv: string[]): Promise<number>;
}
