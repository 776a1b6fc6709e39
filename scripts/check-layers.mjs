#!/usr/bin/env node
// Checks that the rooms of src/ import in one direction (docs/architecture.md,
// "Layers"): a file may import from its own room or from a room of a LOWER
// rank, never from one of the same or a higher rank. Type-only imports are
// skipped, as for the cycle check (.madgerc): they vanish at run time.
// Prints each edge against the order and exits 1 if there is one.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import madge from "madge";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Lowest first. A room is a folder of src/, or a file at its top. */
const ORDER = [
  ["errors"],
  ["native", "option-checks"],
  ["data"],
  ["service", "scheduler"],
  ["schema"],
  ["s3"],
  ["inventory"],
  ["db"],
  ["normalize"],
  ["parallel"],
  ["algorithms"],
  ["client"],
  ["index", "testing"],
  ["launcher"],
  ["cli"],
];
const rank = new Map(ORDER.flatMap((rooms, i) => rooms.map((r) => [r, i])));
const roomOf = (file) => (file.includes("/") ? file.split("/")[0] : file.replace(/\.ts$/, ""));

const config = JSON.parse(readFileSync(join(root, ".madgerc"), "utf8"));
const graph = (await madge(join(root, "src"), { ...config, baseDir: join(root, "src") })).obj();

const wrong = [];
const unknown = new Set();
for (const [file, deps] of Object.entries(graph)) {
  const from = roomOf(file);
  if (!rank.has(from)) unknown.add(from);
  for (const dep of deps) {
    const to = roomOf(dep);
    if (!rank.has(to)) unknown.add(to);
    if (from !== to && rank.get(from) <= rank.get(to)) wrong.push(`${file} imports ${dep} (${from} → ${to})`);
  }
}
if (unknown.size > 0) {
  console.error(
    `check-layers: rooms not in the order (add them to ORDER here and to docs/architecture.md): ${[...unknown].join(", ")}`,
  );
  process.exit(1);
}
if (wrong.length > 0) {
  console.error(`check-layers: ${wrong.length} import(s) against the layer order:\n  ${wrong.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-layers: ${Object.keys(graph).length} files, every import follows the layer order`);
