/** Pre-approved list (seed 004): CSV import, preview, last-row-wins per email, export. No database, no HTTP. */
export { CANONICAL_HEADER, FIELDS, MANDATORY_FIELDS, OWNERSHIPS, PLATFORMS } from './fields.js';
export type { Ownership, Platform, PreapprovedEntry, PreapprovedField, PreapprovedRow } from './fields.js';
export { PreapprovedCsvError } from './errors.js';
export type { FileErrorCode, RowError, RowErrorCode } from './errors.js';
export { autoField, mapHeader, normalizeLabel } from './mapping.js';
export type { HeaderMapping, ManualMapping } from './mapping.js';
export { MAX_VALUE_LENGTH, SerialTracker, validateRow } from './validate.js';
export { openPreapprovedCsv, PreapprovedCsvReader } from './read.js';
export type { CsvSource, PreapprovedBatch, ReadOptions, ReadSummary } from './read.js';
export { previewPreapprovedCsv } from './preview.js';
export type { Preview, PreviewOptions, PreviewRow } from './preview.js';
export { lastRowWinsPerEmail, UserDetailsByEmail } from './users.js';
export type { UserDetails, UserWarning } from './users.js';
export { exportPreapprovedCsv } from './export.js';
export type { ExportOptions } from './export.js';
