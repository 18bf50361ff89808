// Composition root for the data-sharing agreements: the folder DIR/agreements (seeded from the demo's agreements the
// first time the demo seed is used, as the metadata store is), its versions in DIR/agreement-versions/ (0600 in
// 0700), the cross-checks the files are validated with (the platform's people, the catalogue's fields and the
// minimisation policy), and every change or refusal recorded in the audit log. The folder stays watched: an edit
// takes effect without a restart.
import { chmod, copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { EnclaveError } from '../common/errors.ts';
import { openAgreements, type AgreementChange, type AgreementLoader } from './agreements/loader.ts';
import type { AgreementLookups } from './agreements/validate.ts';
import { createFileVersionStore } from './agreements/versions.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { CatalogueFile } from './catalogue/catalogue-file.ts';
import { effectiveTreatment } from './minimisation/policy.ts';
import type { FieldKinds } from './minimisation/project-treatments.ts';
import type { MetadataStore } from './store/metadata-store.ts';

export const AGREEMENTS_FOLDER = 'agreements';
export const AGREEMENT_VERSIONS_FILE = path.join('agreement-versions', 'versions.json');

/**
 * Creates DIR/agreements (0700) with the demo's agreement files (0600) when it does not exist yet. An existing folder
 * is the data manager's and is never touched, even when it is empty (every project then has no agreement: fail closed).
 */
export async function seedAgreementsFolder(options: { dataDir: string; demoDir: URL | null }): Promise<string> {
  const folder = path.join(options.dataDir, AGREEMENTS_FOLDER);
  const exists = await stat(folder).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  if (exists) return folder;
  // Production (no demo): an empty folder, every project without an agreement until the data manager writes one.
  const source = options.demoDir === null ? null : fileURLToPath(new URL('agreements/', options.demoDir));
  const names =
    source === null ? [] : (await readdir(source).catch(() => [])).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
  // Built beside its final name and renamed into place, so a start that fails half-way leaves no half-seeded folder.
  const building = `${folder}.seeding`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { mode: 0o700 });
  await chmod(building, 0o700);
  for (const name of names) {
    await copyFile(path.join(source as string, name), path.join(building, name));
    await chmod(path.join(building, name), 0o600);
  }
  await rename(building, folder);
  return folder;
}

/** The audit event of one change the loader reports. */
export function auditEventOf(change: AgreementChange): Parameters<AuditLog['append']>[0] {
  if ('error' in change) {
    return {
      type: 'agreement.refused',
      actor: null,
      outcome: 'failure',
      details: { projectId: change.projectId, file: change.error.file, problems: change.error.message },
    };
  }
  if ('withdrawn' in change) {
    return {
      type: 'agreement.changed',
      actor: null,
      outcome: 'success',
      details: { projectId: change.projectId, withdrawn: true, version: change.version },
    };
  }
  return {
    type: 'agreement.changed',
    actor: null,
    outcome: 'success',
    details: { projectId: change.projectId, version: change.version, expires: change.agreement.expires },
  };
}

/** Opens the agreements for `serve`: seeded, versioned, validated against this platform, audited, watched. */
export async function openPlatformAgreements(options: {
  dataDir: string;
  /** null: production, which never seeds the demo's agreements. */
  demoDir: URL | null;
  store: MetadataStore;
  audit: AuditLog;
  catalogue: CatalogueFile;
  fieldKinds: FieldKinds;
  /** Where failures to record or to read go (the server's log); by default standard error. */
  onFailure?: (error: unknown) => void;
  /** Watch the folder (default true). */
  watch?: boolean;
  debounceMs?: number;
}): Promise<AgreementLoader> {
  const { catalogue, fieldKinds, store, audit } = options;
  const dir = await seedAgreementsFolder({ dataDir: options.dataDir, demoDir: options.demoDir });
  const lookups: AgreementLookups = {
    userExists: async (userId) => (await store.getUser(userId)) !== undefined,
    datasetFields: (datasetId) => catalogue.find((dataset) => dataset.id === datasetId)?.fields.map((field) => field.name),
    checkTreatment: (check) => {
      const field = catalogue.find((dataset) => dataset.id === check.dataset)?.fields.find((each) => each.name === check.field);
      const kind = fieldKinds(check.dataset, check.field);
      if (field === undefined || kind === undefined) {
        return `${check.dataset}.${check.field} has no kind in the catalogue, so no treatment can be checked for it.`;
      }
      const effective = effectiveTreatment({
        field: { dataset: check.dataset, name: check.field, kind, tags: field.tags },
        override: check.treatment,
        legalBasisAllowsMore: check.legalBasis.allowsMoreThanDefaults,
      });
      return effective.ok ? null : effective.message;
    },
  };
  const onFailure = options.onFailure ?? ((error: unknown) => process.stderr.write(`Agreements: ${String(error)}\n`));
  // Changes are recorded in the order they happen; a failure to record one goes to the log (the audit log itself
  // refuses further appends when it is broken, and says so there).
  let recording: Promise<unknown> = Promise.resolve();
  const record = (change: AgreementChange): void => {
    recording = recording.then(() => audit.append(auditEventOf(change))).catch((err: unknown) => onFailure(err));
  };
  const loader = await openAgreements({
    dir,
    lookups,
    versions: createFileVersionStore(path.join(options.dataDir, AGREEMENT_VERSIONS_FILE)),
    onChange: record,
    onFailure,
    ...(options.watch === undefined ? {} : { watch: options.watch }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
  }).catch((err: unknown) => {
    throw err instanceof EnclaveError ? err : new EnclaveError('unavailable', `The agreements in ${dir} could not be opened.`);
  });
  return {
    ...loader,
    stop: async () => {
      await loader.stop();
      await recording;
    },
    reload: async () => {
      await loader.reload();
      await recording;
    },
  };
}
