// The Content-Type a drive file is served with, from its extension. Only types a browser will not run: a drive file
// is never served as HTML, SVG or script from the platform's origin (the answers also carry `nosniff` and a sandboxing
// Content-Security-Policy); anything not listed is plain bytes.
const BY_EXTENSION: Readonly<Record<string, string>> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  md: 'text/plain',
  log: 'text/plain',
  sql: 'text/plain',
  r: 'text/plain',
  py: 'text/plain',
  do: 'text/plain',
  sas: 'text/plain',
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
  arrow: 'application/vnd.apache.arrow.file',
  feather: 'application/vnd.apache.arrow.file',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odt: 'application/vnd.oasis.opendocument.text',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
  gz: 'application/gzip',
};

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

export function mediaTypeOfName(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_MEDIA_TYPE;
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? DEFAULT_MEDIA_TYPE;
}
