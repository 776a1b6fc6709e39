/**
 * The generated binding types (native/index.d.cts, written by
 * `npm run build:native`) are not committed; this keeps them checked:
 * - a snapshot makes every change to the native API visible in review
 *   (update it with `npx vitest run test/native-types.test.ts -u`);
 * - the declared functions and classes must be exactly the functions the
 *   loaded addon exports (a class is its constructor function), so the
 *   types cannot drift from the binary.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { native } from "../dist/native.js";

const dtsPath = fileURLToPath(new URL("../native/index.d.cts", import.meta.url));
const dts = readFileSync(dtsPath, "utf8");

describe("native binding types", () => {
  it("match the reviewed snapshot", async () => {
    await expect(dts).toMatchFileSnapshot("./__snapshots__/native-index.d.cts.snap");
  });

  it("declare exactly the functions and classes the addon exports", () => {
    const declared = [...dts.matchAll(/^export declare (?:function (\w+)\(|class (\w+) )/gm)]
      .map((m) => m[1] ?? m[2])
      .sort();
    const exported = Object.entries(native)
      .filter(([, v]) => typeof v === "function")
      .map(([k]) => k)
      .sort();
    expect(declared.length).toBeGreaterThan(10);
    expect(exported).toEqual(declared);
  });
});
