// Before serving, prove the metadata and the data agree, so a mismatch is a clear refusal at start-up rather
// than a failed sample later: every dataset a project uses is served, with exactly the catalogue's columns.
import { EnclaveError } from '../common/errors.ts';
import { SUPPORTED_TYPES } from './engine/arrow-columns.ts';
import type { EngineDataset } from './engine/data-engine.ts';
import type { StoredDataset } from './store/metadata-store.ts';

export function checkCatalogueMatchesData(options: {
  catalogue: readonly StoredDataset[];
  served: readonly EngineDataset[];
  /** Datasets some project grants. */
  used: ReadonlySet<string>;
}): void {
  const problems: string[] = [];
  const served = new Map(options.served.map((dataset) => [dataset.id, dataset]));
  const supported: ReadonlySet<string> = new Set(SUPPORTED_TYPES);
  for (const dataset of options.catalogue) {
    const data = served.get(dataset.id);
    if (data === undefined) {
      if (options.used.has(dataset.id)) problems.push(`${dataset.id} is granted to a project but is not in the data folder`);
      continue;
    }
    const expected = dataset.fields.map((field) => `${field.name} ${field.type}`).join(', ');
    const actual = data.columns.map((column) => `${column.name} ${column.type}`).join(', ');
    if (expected !== actual) problems.push(`${dataset.id}'s data file has columns (${actual}) but the catalogue says (${expected})`);
    for (const field of dataset.fields) {
      if (!supported.has(field.type)) problems.push(`${dataset.id}.${field.name} has type ${field.type}, which samples cannot carry`);
    }
  }
  if (problems.length > 0) {
    throw new EnclaveError('unavailable', `The catalogue and the data folder disagree: ${problems.join('; ')}. Run \`enclave platform init\` again.`);
  }
}
