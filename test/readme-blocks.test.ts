/**
 * Every TypeScript block of README.md and docs/*.md type-checks under
 * `tsc --strict` as a user's project compiles it (ESM, "mspass" installed),
 * and the README's tour and its tasks.ts compile recipe run for real.
 *
 * Blocks are fragments of one story: the names a block uses but does not
 * declare (`client`, `db`, `id`, ...) are declared with their real types
 * before it, and the mspass names it uses but does not import are imported.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as mspass from "mspass";
import { ROOT, newProject } from "./launch-helpers.js";

interface Block {
  file: string;
  line: number;
  code: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```ts") continue;
    const start = i + 1;
    while (++i < lines.length && lines[i]!.trim() !== "```");
    out.push({ file, line: start, code: lines.slice(start, i).join("\n") });
  }
  return out;
}

const DOCS = [
  join(ROOT, "README.md"),
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(ROOT, "docs", f)),
];
const BLOCKS = DOCS.flatMap(blocksOf);

/** What the story has defined before a fragment, with its real type. */
const CONTEXT: Record<string, string> = {
  client: "declare const client: Client;",
  db: "declare const db: Database;",
  id: "declare const id: ObjectId;",
  doc: "declare const doc: Document;",
  docs: "declare const docs: Document[];",
  t: "declare const t: number;",
  demean: "declare function demean(d: TimeSeries): TimeSeries;",
  bag: "declare const bag: Bag<TimeSeries>;",
};
const CONTEXT_TYPES = ["Client", "Database", "TimeSeries", "Bag"];
const MSPASS_NAMES = Object.keys(mspass);

function declares(code: string, name: string): boolean {
  return new RegExp(
    `\\b(const|let|function|class)\\s+${name}\\b|import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`,
  ).test(code);
}
function uses(code: string, name: string): boolean {
  return new RegExp(`(?<![.\\w"'])${name}\\b`).test(code.replace(/\/\/.*$/gm, ""));
}

/** The block as a module of a user's project: imports and context it relies on, then its code. */
function moduleOf(b: Block): string {
  const context = Object.entries(CONTEXT).filter(([n]) => uses(b.code, n) && !declares(b.code, n));
  const needed = new Set(MSPASS_NAMES.filter((n) => uses(b.code, n) && !declares(b.code, n)));
  for (const n of CONTEXT_TYPES) if (context.length > 0 && !declares(b.code, n)) needed.add(n);
  const head = [
    ...(needed.size > 0 ? [`import { ${[...needed].join(", ")} } from "mspass";`] : []),
    ...(context.length > 0 ? ['import type { Document, ObjectId } from "mongodb";'] : []),
    ...context.map(([, d]) => d),
  ];
  return [...head, b.code, "export {};", ""].join("\n");
}

const project = newProject("mspass-readme-", {
  "package.json": JSON.stringify({ type: "module" }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      strict: true,
      module: "nodenext",
      target: "es2022",
      outDir: "out",
      skipLibCheck: true,
      types: ["node"],
    },
    include: ["blocks/*.ts"],
  }),
});
symlinkSync(join(ROOT, "node_modules", "mongodb"), join(project, "node_modules", "mongodb"));
mkdirSync(join(project, "node_modules", "@types"));
symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(project, "node_modules", "@types", "node"));
afterAll(() => rmSync(project, { recursive: true, force: true }));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** Run a command without blocking the test worker; its stdout, or a failure with all it printed. */
async function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    return (await promisify(execFile)(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 90_000 }))
      .stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${[cmd, ...args].join(" ")} failed: ${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

describe("README and docs code blocks", () => {
  it("there are blocks to check", () => {
    expect(BLOCKS.length).toBeGreaterThan(10);
  });

  it("every block type-checks with --strict", async () => {
    mkdirSync(join(project, "blocks"));
    const names = BLOCKS.map((b, i) => {
      const name = `${String(i).padStart(2, "0")}-${b.file.slice(ROOT.length + 1).replace(/\W+/g, "_")}-L${b.line}`;
      writeFileSync(join(project, "blocks", `${name}.ts`), moduleOf(b));
      return name;
    });
    const out = await run(process.execPath, [TSC, "-p", "tsconfig.json", "--noEmit"], project).catch(
      (e: Error) => e.message,
    );
    // Name the document and line of each error, not the generated file.
    const errors = out
      .split("\n")
      .filter((l) => /error TS/.test(l))
      .map((l) => {
        const m = /^blocks\/(\d+)-[^(]*\((\d+),/.exec(l);
        if (!m) return l;
        const b = BLOCKS[Number(m[1])]!;
        return `${b.file.slice(ROOT.length + 1)} block at line ${b.line}: ${l.replace(/^[^:]*: /, "")}`;
      });
    expect(errors, names.join(", ")).toEqual([]);
  }, 120_000);

  it("the tour runs against a database, and tasks.ts compiles with the README's recipe to an ES module", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const readmeBlocks = BLOCKS.filter((b) => b.file.endsWith("README.md"));
    const tour = readmeBlocks[0];
    const tasks = readmeBlocks.find((b) => b.code.startsWith("// tasks.ts"));
    // A project directory as the README's recipe assumes: "type": "module", no tsconfig.json.
    const dir = join(project, "run");
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, "tour.ts"), tour!.code);
    writeFileSync(join(dir, "tasks.ts"), tasks!.code);
    const recipe = /^\s*npx tsc ([^\n`]*tasks\.ts[^\n`]*)$/m.exec(readme);
    expect(recipe, "a 'npx tsc ... tasks.ts' line in the README").not.toBeNull();
    const args = recipe![1]!.trim().split(/\s+/);
    // The recipe, plus the tour compiled the same way.
    await run(process.execPath, [TSC, ...args, "tour.ts"], dir);
    const exported = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const t = await import("./tasks.js"); console.log(Object.keys(t).sort().join(","))',
      ],
      dir,
    );
    expect(exported.trim()).toBe("countStation,demean");
    await run(process.execPath, ["tour.js"], dir, {
      MSPASS_DB_ADDRESS: process.env.MSPASS_TEST_DB_URI,
      MSPASS_PROJECT_DIR: resolve(dir),
    });
  }, 120_000);
});
