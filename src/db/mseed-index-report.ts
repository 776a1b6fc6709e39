/**
 * What `indexMseedFile` tells its caller when it is not asked for MsPASS's
 * `[wfIds, elogIds]`: how many segments were indexed and what was refused,
 * so a file that is not miniSEED never passes without a word.
 */
import type { ObjectId } from "mongodb";

export interface IndexMseedReport {
  /** The file that was scanned (absolute). */
  file: string;
  /** Segments indexed: one wf_miniseed document each. */
  indexed: number;
  wfIds: ObjectId[];
  /** The elog documents holding the complaints below. */
  elogIds: ObjectId[];
  /** What the scan refused or complained about (also in elog); empty when all was well. */
  refused: string[];
}

export function indexMseedReport(
  file: string,
  wfIds: ObjectId[],
  elogIds: ObjectId[],
  complaints: readonly { message: string }[],
): IndexMseedReport {
  return { file, indexed: wfIds.length, wfIds, elogIds, refused: complaints.map((c) => c.message) };
}
