/**
 * Native cursors own their server cursor: one a program drops without
 * exhausting or closing it is released when the garbage collector finalizes
 * it (no handle registry, no FinalizationRegistry). Runs in a child process
 * started with --expose-gc so the test can force the collection.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("a dropped, half-read cursor is released by garbage collection", () => {
  const script = fileURLToPath(new URL("./fixtures/cursor-gc.mjs", import.meta.url));
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", script, process.env.MSPASS_TEST_DB_URI!, `mspass_test_cursor_gc_${process.pid}`],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  const { baseline, during, after } = JSON.parse(out.trim().split("\n").pop()!) as {
    baseline: number;
    during: number;
    after: number;
  };
  expect(during).toBe(baseline + 1);
  expect(after).toBe(baseline);
});
