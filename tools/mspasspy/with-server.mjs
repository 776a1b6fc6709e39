#!/usr/bin/env node
/**
 * Runs a command with a throw-away FerretDB (the suite's own starter,
 * dist/service/throwaway.js; run `npm run build:ts` first) whose URI is in
 * MSPASS_COMPAT_URI, then stops the server. For the mspasspy scripts here:
 *
 *   node tools/mspasspy/with-server.mjs /tmp/mspass-venv/bin/python tools/mspasspy/write_fixture.py
 */
import { spawnSync } from "node:child_process";
import { startThrowawayDatabaseServer } from "../../dist/service/throwaway.js";

const [cmd, ...args] = process.argv.slice(2);
if (cmd === undefined) {
  console.error("usage: node tools/mspasspy/with-server.mjs <command> [args...]");
  process.exit(2);
}
const server = await startThrowawayDatabaseServer({ label: "mspasspy-compat" });
let status = 1;
try {
  const run = spawnSync(cmd, args, {
    stdio: "inherit",
    env: { ...process.env, MSPASS_COMPAT_URI: server.uri },
  });
  if (run.error) throw run.error;
  status = run.status ?? 1;
} finally {
  await server.stop();
}
process.exit(status);
