/** Seismic data objects. */
export { Metadata } from "./metadata.js";
export type { MetadataValue, MetadataScalar, MetadataRecord, BsonObject } from "./metadata.js";
export { ErrorLogger } from "./error-logger.js";
export type { LogEntry, LogDataDocument } from "./error-logger.js";
export { ProcessingHistory, PROCESSING_STATUS, HISTORY_DOCUMENT_FORMAT } from "./history.js";
export type {
  HistoryNode,
  ProcessingStatus,
  AtomicType,
  HistoryDocument,
  HistoryNodeDocument,
} from "./history.js";
export { BasicTimeSeries, SYNCED_KEYS, isTimeReference } from "./basic-time-series.js";
export type { TimeReference, TimeSeriesOptions, FromMetadataOptions } from "./basic-time-series.js";
export { TimeSeries } from "./time-series.js";
export { Seismogram } from "./seismogram.js";
export type { SeismogramOptions, TransformationMatrix } from "./seismogram.js";
export { TimeSeriesEnsemble, SeismogramEnsemble } from "./ensemble.js";
export { makeAbortion } from "./abortion.js";
export type { Ensemble } from "./ensemble.js";
