/** Schema system and read/write modes. */
export { Schema, SchemaView, isNormalizedKey } from "./schema.js";
export type { Attribute, ViewAttribute, DataType } from "./schema.js";
export { DEFAULT_SCHEMA } from "./default-schema.js";
export { CONSTRAINTS } from "./spec.js";
export type { SchemaSpec, CollectionSpec, AttributeSpec, MetadataAttributeSpec, Constraint } from "./spec.js";
export { ATTRIBUTE_TYPES, normalizeTypeName, matchesType, convertValue } from "./types.js";
export type { AttributeType } from "./types.js";
export { MODES, WF_WRITER_KEYS, docToMetadata, metadataToDoc } from "./modes.js";
export type { Mode, ModeOptions, SaveOptions, ReadResult, SaveResult } from "./modes.js";
export { wfDocFields, buildWfDocument } from "./wf-document.js";
export { applyBsonTypes } from "./bson-types.js";
export type { WfDocFields, WfDocumentResult } from "./wf-document.js";
