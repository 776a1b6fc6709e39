import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests use the package as users do: `import { Client } from "mspass"`
    // resolves to the built dist/ (npm test builds it first). Worker threads
    // load the same compiled files, so there is one copy of every class.
    alias: [
      { find: /^mspass$/, replacement: fileURLToPath(new URL("./dist/index.js", import.meta.url)) },
      { find: /^mspass\/testing$/, replacement: fileURLToPath(new URL("./dist/testing.js", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Forked processes, not worker threads: native async work that outlives a
    // vitest worker thread can abort the process (see ecosystem notes).
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    server: { deps: { external: [/\/dist\//, /\/native\//] } },
  },
});
