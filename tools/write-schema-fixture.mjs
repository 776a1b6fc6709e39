#!/usr/bin/env node
// Writes test/fixtures/schema/mspass-schema.yaml: the project's default schema
// (src/schema/default-schema.ts) in MsPASS's mspass.yaml FILE FORMAT
// (Database/<collection>/schema, Metadata/<type>/schema, `data_type`,
// `default`, a `<<: &anchor` merge shared by the wf collections, a scalar
// alias). The schema and db-io tests load it as "a user's mspass.yaml", so a
// fresh clone needs nothing outside the repository. Run after `npm run
// build:ts` when the default schema changes: node tools/write-schema-fixture.mjs
import { writeFileSync } from "node:fs";
import { DEFAULT_SCHEMA } from "../dist/schema/default-schema.js";

const out = [
  "# A user schema in MsPASS's mspass.yaml format, written by",
  "# tools/write-schema-fixture.mjs from this project's default schema.",
  "Database:",
];
// Plain scalars where YAML allows them (as upstream writes concepts), quoted otherwise.
const scalar = (v) => (/[:#[\]{},&*!|>'"%@`]|^[-?\s]|\s$/.test(String(v)) ? JSON.stringify(v) : String(v));
function attr(name, a, indent) {
  const p = " ".repeat(indent);
  out.push(`${p}${name}:`);
  if (a.reference !== undefined) out.push(`${p}  reference: ${a.reference}`);
  if (a.type !== undefined) out.push(`${p}  type: ${a.type}`);
  if (a.concept !== undefined) out.push(`${p}  concept: ${scalar(a.concept)}`);
  // starttime_shift's single alias is written as a scalar, as upstream does.
  if (a.aliases !== undefined)
    out.push(
      `${p}  aliases: ${a.aliases.length === 1 && name === "starttime_shift" ? a.aliases[0] : `[${a.aliases.join(", ")}]`}`,
    );
  if (a.constraint !== undefined) out.push(`${p}  constraint: ${a.constraint}`);
}
const db = DEFAULT_SCHEMA.database;
const ts = db.wf_TimeSeries.attributes;
const COMMON = Object.keys(ts).filter((k) => k !== "channel_id");
const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
for (const [name, col] of Object.entries(db)) {
  out.push(`  ${name}:`);
  if (col.default !== undefined) out.push(`    default: ${col.default}`);
  if (col.dataType !== undefined) out.push(`    data_type: ${col.dataType}`);
  out.push("    schema:");
  const attrs = col.attributes;
  if (name === "wf_TimeSeries") {
    attr("channel_id", attrs.channel_id, 6);
    out.push("      <<: &wf_common");
    for (const k of COMMON) attr(k, attrs[k], 8);
  } else if (name === "wf_Seismogram" || name === "wf_miniseed") {
    out.push("      <<: *wf_common");
    for (const [k, a] of Object.entries(attrs)) if (!(COMMON.includes(k) && same(a, ts[k]))) attr(k, a, 6);
  } else {
    for (const [k, a] of Object.entries(attrs)) attr(k, a, 6);
  }
}
out.push("Metadata:");
for (const [sec, attrs] of Object.entries(DEFAULT_SCHEMA.metadata)) {
  out.push(`  ${sec}:`, "    schema:");
  for (const [k, a] of Object.entries(attrs)) {
    out.push(`      ${k}:`);
    if (a.collection !== undefined) out.push(`        collection: ${a.collection}`);
    if (a.type !== undefined) out.push(`        type: ${a.type}`);
    if (a.concept !== undefined) out.push(`        concept: ${scalar(a.concept)}`);
    if (a.aliases !== undefined) out.push(`        aliases: [${a.aliases.join(", ")}]`);
    if (a.readonly !== undefined) out.push(`        readonly: ${a.readonly}`);
  }
}
writeFileSync(new URL("../test/fixtures/schema/mspass-schema.yaml", import.meta.url), out.join("\n") + "\n");
