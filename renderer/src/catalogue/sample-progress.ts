// How far a sample's load has got, in words: bytes received from the platform, or rows loaded into the engine.
import type { CallProgress } from '../../../src/common/contract.ts';
import { formatBytes, formatCount, formatRows } from '../shell/format.ts';

/** "1.2 MB of 3.4 MB", "20,000 of 100,000 rows"; null while nothing has arrived (the platform still prepares it). */
export function receivedText(progress: CallProgress | null): string | null {
  if (progress === null || progress.done === 0) return null;
  if (progress.unit === 'bytes') {
    return progress.total === null ? formatBytes(progress.done) : `${formatBytes(progress.done)} of ${formatBytes(progress.total)}`;
  }
  if (progress.unit === 'rows') {
    return progress.total === null ? formatRows(progress.done) : `${formatCount(progress.done)} of ${formatRows(progress.total)}`;
  }
  return null;
}
