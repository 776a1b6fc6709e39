/**
 * `normalize(datum, matcher)` (MsPASS `normalize`): copy the matched
 * document's loaded keys onto the datum; a datum with no match is killed
 * and the reason logged in its elog.
 *
 * As MsPASS's decorator default (`handles_ensembles=True`), an ensemble is
 * matched as ONE object (its ensemble Metadata); `handlesEnsembles: false`
 * matches each member instead.
 */
import { MsPASSError } from "../errors.js";
import type { ErrorLogger } from "../data/error-logger.js";
import type { Metadata, MetadataValue } from "../data/metadata.js";
import { BasicMatcher, isAtomic, isEnsembleLike, type MatchTarget } from "./basic-matcher.js";

export interface NormalizeOptions {
  /** Kill the datum when nothing matches (default true). */
  killOnFailure?: boolean;
  /** Ensembles: match the ensemble as one object (default true, as MsPASS) or each member. */
  handlesEnsembles?: boolean;
}

interface Killable {
  md: Metadata;
  elog: ErrorLogger;
  live: boolean;
  kill(): void;
}

function isKillable(x: unknown): x is Killable {
  return isAtomic(x) || isEnsembleLike(x);
}

async function normalizeOne(d: Killable, matcher: BasicMatcher, killOnFailure: boolean): Promise<void> {
  if (!d.live) return; // dead data pass through
  const [md, log] = await matcher.findOne(d as unknown as MatchTarget);
  if (md !== null) {
    for (const [k, v] of md.entries()) d.md.put(k, v as MetadataValue);
    if (log !== null) d.elog.append(log);
    return;
  }
  if (killOnFailure) d.kill();
  if (log === null)
    d.elog.log(
      "normalize",
      `${matcher.kind} found no ${matcher.collection} document for this datum`,
      "Invalid",
    );
  else d.elog.append(log);
}

export async function normalize<D>(
  datum: D,
  matcher: BasicMatcher,
  options: NormalizeOptions = {},
): Promise<D> {
  if (!(matcher instanceof BasicMatcher))
    throw new MsPASSError(
      "normalize: matcher must be a matcher (ObjectIdMatcher, MiniseedMatcher, ...)",
      "Invalid",
    );
  if (!isKillable(datum))
    throw new MsPASSError("normalize: datum must be a TimeSeries, Seismogram or ensemble", "Invalid");
  const killOnFailure = options.killOnFailure ?? true;
  const handlesEnsembles = options.handlesEnsembles ?? true;
  if (isEnsembleLike(datum) && !handlesEnsembles) {
    if (!datum.live) return datum;
    for (const m of datum.member) if (isKillable(m)) await normalizeOne(m, matcher, killOnFailure);
    return datum;
  }
  await normalizeOne(datum, matcher, killOnFailure);
  return datum;
}
