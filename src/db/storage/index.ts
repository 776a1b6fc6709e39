/**
 * THE storage-mode seam: one module per storage mode, each reading (where
 * the core does not), writing, deleting and undoing its samples.
 *
 * - gridfs.ts   storage_mode "gridfs" (samples in GridFS of the same database)
 * - file.ts     storage_mode "file", format "binary" (raw float64 in dir/dfile)
 * - mseed.ts    storage_mode "file", format "mseed" (miniSEED records in dir/dfile)
 * - s3.ts       storage_mode "s3", "s3_continuous", "s3_event" (objects on S3)
 *
 * GridFS and file samples (binary or miniSEED) of many documents are read
 * by ONE core call (`native.readSamples` / `readEnsemble`, src/db/read.ts);
 * S3 objects are fetched here. A new storage mode is one more module and one
 * more case in `sampleWriterFor`.
 */
import { writeBinaryFiles } from "./file.js";
import { writeGridfs } from "./gridfs.js";
import { writeMseedFiles } from "./mseed.js";
import { writeS3 } from "./s3.js";
import type { FileFormat, SampleWriter } from "./types.js";

/** The writer for a storage mode and format. */
export function sampleWriterFor(
  storageMode: "gridfs" | "file" | "s3",
  format: FileFormat | undefined,
): SampleWriter {
  if (storageMode === "gridfs") return writeGridfs;
  if (storageMode === "s3") return writeS3;
  switch (format) {
    case undefined:
    case "binary":
      return writeBinaryFiles;
    case "mseed":
      return writeMseedFiles;
  }
}
