/**
 * Per-member errors of the core's sample reader, and what each KIND means
 * for the datum. The kinds are the binding's contract
 * (`crates/mspass-core/src/io/member_error.rs`); the messages only go into
 * the elog, so rewording one never changes what happens to a datum.
 */

/** The kinds the core reports per member (`errorKinds[i]`). */
export type MemberErrorKind =
  | "BadDocument"
  | "BadType"
  | "Unsupported"
  | "MissingSamples"
  | "BadSamples"
  | "NoDatabase";

/** One member's failure as the core reported it. */
export interface MemberError {
  kind: string;
  message: string;
}

/** What becomes of a datum whose samples could not be read. */
export type MemberErrorFate =
  /** The document itself is unusable: an abortion (never constructed; saved to `abortions`). */
  | "abortion"
  /** The document is fine, its stored samples are not: the constructed datum, killed (saved to `cemetery`). */
  | "killed";

/**
 * Kinds about the STORED samples: MsPASS builds the datum from the document
 * and then kills it. Every other kind — including one a newer core might add
 * that this layer does not know — is an abortion, the safe side (nothing is
 * constructed from a document we do not understand).
 */
const STORAGE_KINDS: ReadonlySet<string> = new Set<MemberErrorKind>(["MissingSamples", "BadSamples"]);

export function memberErrorFate(kind: string): MemberErrorFate {
  return STORAGE_KINDS.has(kind) ? "killed" : "abortion";
}

/**
 * True when the member failed only because of a stored BSON type (`npts` as
 * a double, `foff` as a string): the reader is asked again with the values
 * as JavaScript decoded / cautious mode converted them, as MsPASS builds the
 * datum from converted Metadata.
 */
export function isRetryableWithConvertedValues(kind: string): boolean {
  return kind === "BadType";
}

/** Results of a native sample read: parallel `errors` (messages) and `errorKinds`. */
export interface MemberErrorColumns {
  errors: ReadonlyArray<string | null | undefined>;
  errorKinds: ReadonlyArray<string | null | undefined>;
}

/** Member `i`'s error, or undefined when its samples were read. */
export function memberErrorAt(res: MemberErrorColumns, i: number): MemberError | undefined {
  const message = res.errors[i];
  if (message === null || message === undefined) return undefined;
  // A message without a kind cannot come from the binding; treat it as a bad document.
  return { kind: res.errorKinds[i] ?? "BadDocument", message };
}
