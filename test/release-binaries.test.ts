/**
 * The two native programs mspass publishes, as built in this checkout (the
 * release packs exactly these files): the addon runs on glibc 2.17 (RHEL 7
 * and newer, where HPC clusters are), FerretDB is a static, stripped
 * executable that needs no libc at all.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compareGlibc, highestGlibc, readElf } from "./elf.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const GLIBC_FLOOR = "GLIBC_2.17";

describe.runIf(process.platform === "linux")("release binaries", () => {
  it(`the addon needs no glibc symbol newer than ${GLIBC_FLOOR}`, () => {
    const addons = readdirSync(join(root, "native")).filter((f) => f.endsWith(".node"));
    expect(addons.length).toBeGreaterThan(0);
    for (const addon of addons) {
      const info = readElf(join(root, "native", addon));
      const highest = highestGlibc(info);
      console.log(`${addon}: highest glibc symbol version needed ${highest}`);
      expect(info.versionsNeeded["libc.so.6"], "links libc with versioned symbols").toBeDefined();
      expect(compareGlibc(highest!, GLIBC_FLOOR), `${addon} needs ${highest}`).toBeLessThanOrEqual(0);
    }
  });

  it("FerretDB is a static, stripped executable", () => {
    const info = readElf(join(root, ".bin", "ferretdb"));
    expect(info.dynamic, "no program interpreter, no dynamic section").toBe(false);
    expect(info.versionsNeeded).toEqual({});
    expect(info.hasSymtab, "built with -ldflags '-s -w'").toBe(false);
  });
});
