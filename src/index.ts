/**
 * mspass: the public API. Everything a workflow needs is exported from here.
 */
export { MsPASSError, SEVERITIES, isSeverity, maskCredentials } from "./errors.js";
export type { ErrorSeverity } from "./errors.js";
