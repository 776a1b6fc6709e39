/**
 * Where the launchers look for their YAML files, as MsPASS does: the working
 * directory, `./data/yaml`, `../data/yaml`, then `$MSPASS_HOME` (and its
 * `data/yaml`). An explicit `--config` path must exist.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { MsPASSError } from "../errors.js";

export function locateConfig(name: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [cwd, join(cwd, "data", "yaml"), join(cwd, "..", "data", "yaml")];
  if (env.MSPASS_HOME) dirs.push(env.MSPASS_HOME, join(env.MSPASS_HOME, "data", "yaml"));
  for (const d of dirs) {
    const f = resolve(d, name);
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** Parse a YAML mapping, with one clear error for a missing file or bad YAML. */
export function readYamlMapping(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new MsPASSError(`cannot read configuration file ${file}: ${(err as Error).message}`, "Fatal");
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new MsPASSError(
      `configuration file ${file} is not valid YAML: ${(err as Error).message}`,
      "Invalid",
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new MsPASSError(`configuration file ${file} must be a YAML mapping of keys`, "Invalid");
  return doc as Record<string, unknown>;
}

/** Typed readers that name the file and key on a bad value. */
export class ConfigReader {
  constructor(
    readonly file: string | undefined,
    private readonly doc: Record<string, unknown>,
    private readonly prefix = "",
  ) {}

  private where(key: string): string {
    return `'${this.prefix}${key}'${this.file ? ` in ${this.file}` : ""}`;
  }

  has(key: string): boolean {
    return this.doc[key] !== undefined && this.doc[key] !== null;
  }

  /** Unknown keys are an error (a typo must not be silently ignored); `ignored` are MsPASS keys that do not apply here. */
  checkKeys(known: readonly string[], ignored: readonly string[] = []): string[] {
    const unknown = Object.keys(this.doc).filter((k) => !known.includes(k) && !ignored.includes(k));
    if (unknown.length) {
      throw new MsPASSError(`unknown key ${this.where(unknown[0]!)} (known: ${known.join(", ")})`, "Invalid");
    }
    return Object.keys(this.doc).filter((k) => ignored.includes(k));
  }

  number(key: string, dflt: number, min = 0): number {
    if (!this.has(key)) return dflt;
    const v = this.doc[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < min)
      throw new MsPASSError(
        `${this.where(key)} must be a number >= ${min}, got ${JSON.stringify(v)}`,
        "Invalid",
      );
    return v;
  }

  int(key: string, dflt: number, min = 0): number {
    const v = this.number(key, dflt, min);
    if (!Number.isInteger(v))
      throw new MsPASSError(`${this.where(key)} must be an integer, got ${v}`, "Invalid");
    return v;
  }

  port(key: string, dflt: number): number {
    const v = this.int(key, dflt, 0);
    if (v > 65535) throw new MsPASSError(`${this.where(key)} must be a port 0-65535, got ${v}`, "Invalid");
    return v;
  }

  string(key: string, dflt: string): string;
  string(key: string, dflt?: string): string | undefined;
  string(key: string, dflt?: string): string | undefined {
    if (!this.has(key)) return dflt;
    const v = this.doc[key];
    if (typeof v !== "string" || v.trim() === "")
      throw new MsPASSError(
        `${this.where(key)} must be a non-empty string, got ${JSON.stringify(v)}`,
        "Invalid",
      );
    return v;
  }

  bool(key: string, dflt: boolean): boolean {
    if (!this.has(key)) return dflt;
    const v = this.doc[key];
    if (typeof v !== "boolean")
      throw new MsPASSError(`${this.where(key)} must be true or false, got ${JSON.stringify(v)}`, "Invalid");
    return v;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], dflt: T): T {
    const v = this.string(key, dflt);
    if (!(choices as readonly string[]).includes(v))
      throw new MsPASSError(`${this.where(key)} must be one of ${choices.join(", ")}, got '${v}'`, "Invalid");
    return v as T;
  }

  section(key: string): ConfigReader {
    if (!this.has(key)) return new ConfigReader(this.file, {}, `${this.prefix}${key}.`);
    const v = this.doc[key];
    if (typeof v !== "object" || Array.isArray(v))
      throw new MsPASSError(`${this.where(key)} must be a mapping`, "Invalid");
    return new ConfigReader(this.file, v as Record<string, unknown>, `${this.prefix}${key}.`);
  }

  raw(key: string): unknown {
    return this.doc[key];
  }
}
