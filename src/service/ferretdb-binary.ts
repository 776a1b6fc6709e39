/**
 * Where the embedded FerretDB server's executable comes from, in the way
 * esbuild finds its Go binary:
 *
 * 1. `MSPASS_FERRETDB_BINARY`: an executable of your own (it must exist);
 * 2. the platform package `mspass-ferretdb-<platform>-<arch>`, an
 *    optionalDependency of the published mspass (npm installs only the one
 *    whose `os`/`cpu` match the host);
 * 3. in a source checkout (the committed package.json declares no platform
 *    packages), `.bin/ferretdb`, built from tools/ferretdb by
 *    scripts/build-ferretdb.mjs;
 * 4. otherwise an error naming what is missing and the `--omit=optional`
 *    install that usually causes it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { MsPASSError } from "../errors.js";
import { packageRoot } from "./paths.js";

export const FERRETDB_BINARY_ENV = "MSPASS_FERRETDB_BINARY";
const FERRETDB_PACKAGE_PREFIX = "mspass-ferretdb-";

/** Name of the npm package that carries the FerretDB executable for a platform (npm/ferretdb-<platform>-<arch>/). */
export function ferretdbPackageName(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `${FERRETDB_PACKAGE_PREFIX}${platform}-${arch}`;
}

/** `.bin/ferretdb` of a source checkout (what scripts/build-ferretdb.mjs writes). */
export function checkoutFerretDBBinary(): string {
  return join(packageRoot(), ".bin", "ferretdb");
}

export function ferretdbBuildScript(): string {
  return join(packageRoot(), "scripts", "build-ferretdb.mjs");
}

/** True in a clone of the repository: the Go sources FerretDB is built from are there (the published package has none). */
export function isSourceCheckout(): boolean {
  return existsSync(join(packageRoot(), "tools", "ferretdb", "go.mod"));
}

/**
 * The FerretDB executable from the environment override or the installed
 * platform package; undefined when neither applies. A set override that
 * points at no file is an error, not a silent fallback.
 */
export function prebuiltFerretDBBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[FERRETDB_BINARY_ENV];
  if (override) {
    if (!existsSync(override))
      throw new MsPASSError(`${FERRETDB_BINARY_ENV}=${override}: no such file`, "Invalid");
    return override;
  }
  try {
    return createRequire(import.meta.url).resolve(`${ferretdbPackageName()}/bin/ferretdb`);
  } catch {
    return undefined;
  }
}

/** The executable mspass runs for FerretDB: the prebuilt one, else the checkout's `.bin/ferretdb` (which may not be built yet). */
export function ferretdbBinary(env: NodeJS.ProcessEnv = process.env): string {
  return prebuiltFerretDBBinary(env) ?? checkoutFerretDBBinary();
}

/** The error for an installed mspass without a FerretDB executable for this host. */
export function missingFerretDBError(): MsPASSError {
  const pkg = ferretdbPackageName();
  const manifest = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as {
    optionalDependencies?: Record<string, string>;
  };
  const published = Object.keys(manifest.optionalDependencies ?? {}).filter((name) =>
    name.startsWith(FERRETDB_PACKAGE_PREFIX),
  );
  const alternatives = `set ${FERRETDB_BINARY_ENV} to a FerretDB executable, or point mspass at a MongoDB server with MSPASS_DB_ADDRESS`;
  if (!published.includes(pkg)) {
    return new MsPASSError(
      `the embedded database server has no prebuilt package for ${process.platform}-${process.arch} ` +
        `(published: ${published.join(", ") || "none"}): ${alternatives}.`,
      "Fatal",
    );
  }
  return new MsPASSError(
    `the embedded database server is missing: the package "${pkg}" is not installed. mspass declares it in ` +
      `"optionalDependencies"; an install made with "--omit=optional" (or "--no-optional", or npm_config_omit=optional) ` +
      `leaves it out, so reinstall mspass without that flag. Or ${alternatives}.`,
    "Fatal",
  );
}
