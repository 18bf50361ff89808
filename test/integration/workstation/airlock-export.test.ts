// The export gate on the real parts (SATRE 3.1.12, preventing unauthorised egress): the real platform over HTTP, and
// workstation cores signed in as the analyst, two output checkers and an administrator. The analyst's request goes
// through two reviews and is released; the analyst then exports it through the core as the Electron shell does (a save
// dialog, here answered by the test, and the file written 0600). The workbook is read back without SheetJS (a zip of
// XML): its cells are the released cells and its provenance names the request, the reviewers and the hash. In the
// browser shell the same export is a one-time download the page fetches once. Then each way it must not leave: a file
// never released, content that no longer hashes to what was released (changed in the platform's database, as someone
// who can write its files), egress frozen by an administrator, the output revoked. The request's release package (the
// zip the SACRO viewer opens) goes the same way out and is refused the same ways.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDialogSaveExport } from '../../../main/export-dialog.ts';
import type { ReleasedOutput, RequestDetail } from '../../../src/common/airlock.ts';
import { createClient, type Client } from '../../../src/common/client.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import { PROFILES, type ProfileName } from '../../../src/common/sdc/rules.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../src/workstation/in-process-transport.ts';
import { startBrowserShell } from '../../../src/web/browser-shell.ts';
import { connectHttpTransport } from '../../contract/transports/http-transport.ts';
import { MINIMAL_INDEX_HTML } from '../../contract/transports/index.ts';
import { errorOf } from '../../support/error-of.ts';
import { readWorkbook, type CellValue } from '../../support/xlsx-read.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';

const PROJECT_ID = 'covid-outcomes';
const SMALL_COUNT = 3;

/** Admissions by region and sex, with one small cell; the analyst applies the suggested suppression. */
const DOCUMENT: OutputDocument = {
  kind: 'frequency',
  title: 'Admissions by region and sex',
  source: { sql: 'SELECT region, sex, count(*) AS n FROM admissions GROUP BY ALL', engine: 'native' },
  table: {
    dimensions: ['region', 'sex'],
    cells: [
      { key: { region: 'London', sex: 'F' }, count: 40 },
      { key: { region: 'London', sex: 'M' }, count: SMALL_COUNT },
      { key: { region: 'North West', sex: 'F' }, count: 25 },
      { key: { region: 'North West', sex: 'M' }, count: 31 },
      { key: { region: 'South East', sex: 'F' }, count: 52 },
      { key: { region: 'South East', sex: 'M' }, count: 47 },
    ],
    totals: 'none',
  },
  mitigation: { kind: 'suppressed', roundingBase: null },
};

const CONTEXT = {
  description: 'Emergency admissions after a positive test, by region and sex, for the winter planning report.',
  population: 'Everyone in the project with a positive test in 2021; the denominator is all admissions.',
  relationship: 'No earlier release of this project shares these dimensions.',
};

let fixture: PlatformFixture;
let platform: RunningPlatform;
let root: string;
let exportsDir: string;
const cores: WorkstationCore[] = [];
/** Where the "save dialog" puts the next export; null: the person closes it. */
let nextSavePath: string | null = null;

/** A workstation core signed in as `username`; with `shell: 'browser'` it has no save dialog and offers downloads. */
async function signedInCore(username: string, shell: 'electron' | 'browser' = 'electron'): Promise<WorkstationCore> {
  const core = createWorkstationCore({
    platformUrl: platform.url,
    healthIntervalMs: 3_600_000,
    tokenStore: 'memory',
    workspaces: { root: path.join(root, `${username}-${shell}`) },
    // As the Electron shell wires it: the dialog answers where, and the file is written 0600.
    ...(shell === 'electron'
      ? {
          saveExport: createDialogSaveExport({
            showSaveDialog: async () =>
              nextSavePath === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: nextSavePath },
          }),
        }
      : {}),
  });
  cores.push(core);
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await playSignIn({ authorizationUrl, platformUrl: platform.url, username });
  await vi.waitFor(async () => expect((await core.handlers['session.get']({})).state).toBe('signed_in'));
  return core;
}

async function signedIn(username: string): Promise<Client> {
  return createClient(createInProcessTransport(await signedInCore(username)));
}

let analyst: Client;
let checkers: Client[];
let admin: Client;
let request: RequestDetail;
let released: ReleasedOutput;

/** Each checker votes to approve every output file (saying why, where the engine disagrees) and completes their review. */
async function reviewAndApprove(checker: Client, requestId: string): Promise<RequestDetail> {
  let detail = await checker.invoke('airlock.request', { requestId });
  for (const file of detail.files.filter((f) => f.role === 'output' && !f.withdrawn)) {
    const disagreement =
      file.verdict === 'pass'
        ? null
        : { code: 'safe_in_context' as const, text: 'The small cell is suppressed and cannot be recovered from the others.', cells: [] };
    detail = await checker.invoke('airlock.vote', {
      requestId,
      fileId: file.id,
      expectedVersion: detail.version,
      vote: 'approve',
      disagreement,
    });
  }
  return checker.invoke('airlock.completeReview', { requestId, expectedVersion: detail.version });
}

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
  root = await mkdtemp(path.join(tmpdir(), 'enclave-airlock-export-'));
  exportsDir = path.join(root, 'exports');
  await mkdir(exportsDir, { mode: 0o700 });
  analyst = await signedIn('demo-analyst');
  checkers = [await signedIn('demo-checker-1'), await signedIn('demo-checker-2')];
  admin = await signedIn('demo-admin');

  // The analyst's request: one output with the suggested suppression applied, submitted.
  let detail = await analyst.invoke('airlock.create', { projectId: PROJECT_ID, title: 'Winter planning: admissions', context: CONTEXT });
  detail = await analyst.invoke('airlock.putFile', {
    requestId: detail.id,
    expectedVersion: detail.version,
    name: 'admissions-by-region-and-sex',
    output: DOCUMENT,
    exception: 'The small cell is suppressed, with the secondary suppression the engine suggested.',
  });
  detail = await analyst.invoke('airlock.submit', { requestId: detail.id, expectedVersion: detail.version });
  // Two independent reviews, then the release.
  for (const checker of checkers) await reviewAndApprove(checker, detail.id);
  const approved = await checkers[0].invoke('airlock.request', { requestId: detail.id });
  expect(approved.state).toBe('APPROVED');
  request = await checkers[0].invoke('airlock.release', { requestId: detail.id, expectedVersion: approved.version });
  expect(request.state).toBe('RELEASED');
  const ledger = await analyst.invoke('airlock.released', { projectId: PROJECT_ID });
  released = ledger.find((output) => output.requestId === request.id)!;
}, 180_000);

afterAll(async () => {
  for (const core of cores) {
    core.close();
    await core.closed();
  }
  await platform?.stop();
  await fixture?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('exporting a released output', () => {
  it('writes the xlsx where the person chose, 0600, with the released cells and a provenance sheet', async () => {
    nextSavePath = path.join(exportsDir, 'winter.xlsx');

    const outcome = await analyst.invoke('airlock.export', { projectId: PROJECT_ID, fileId: released.fileId, format: 'xlsx' });

    expect(outcome).toEqual({ kind: 'saved', path: nextSavePath });
    expect((await stat(nextSavePath)).mode & 0o777).toBe(0o600);
    const book = readWorkbook(await readFile(nextSavePath));
    expect(book.names).toEqual(expect.arrayContaining(['Table', 'Provenance']));
    expect(book.hasFormula).toBe(false);
    // The cells are exactly those the platform released, hidden ones without a value.
    const { content } = await analyst.invoke('airlock.releasedFile', { projectId: PROJECT_ID, fileId: released.fileId });
    const table = book.sheets.get('Table') ?? [];
    expect(table[0]).toEqual(['region', 'sex', 'Count', 'Status']);
    expect(table.slice(1, 1 + content.cells.length).map((row) => [row[0], row[1], row[2]])).toEqual(
      content.cells.map((cell) => [cell.key.region, cell.key.sex, cell.value]),
    );
    const londonMale = table.find((row) => row[0] === 'London' && row[1] === 'M');
    expect(londonMale).toEqual(['London', 'M', null, 'suppressed']);
    expect(table.flat()).not.toContain(SMALL_COUNT);
    expect(table.find((row) => row[0] === 'South East' && row[1] === 'F')).toEqual(['South East', 'F', 52, 'published']);
    const provenance: Record<string, CellValue> = Object.fromEntries(
      (book.sheets.get('Provenance') ?? []).map(([field, value]) => [String(field), value]),
    );
    expect(provenance).toMatchObject({
      Output: DOCUMENT.title,
      Request: 'Winter planning: admissions',
      'Request id': request.id,
      Project: `COVID-19 outcomes (${PROJECT_ID})`,
      'Released by': released.releasedBy.name,
      'Released at': released.releasedAt,
      'Rules profile': released.rules,
      'Mitigation applied': 'suppressed',
      'SHA-256 of the published output': released.sha256,
    });
    expect(String(provenance['Reviewed by'])).toMatch(/Chloe Checker/);
    expect(String(provenance['Reviewed by'])).toMatch(/Chidi Checker/);
    expect(Object.keys(provenance).some((field) => field.startsWith('Disclosure-control note'))).toBe(true);
    const rules = PROFILES[released.rules as ProfileName];
    expect(provenance['Rule: minimum cell count']).toMatch(new RegExp(`^At least ${rules.threshold}: `));
    expect(provenance['Rule: dominance (n, k)']).toMatch(new RegExp(`^n = ${rules.nk?.n}, k = ${(rules.nk?.k ?? 0) * 100}%`));
    expect(provenance['Cells suppressed']).toBe(content.cells.filter((cell) => cell.status === 'suppressed').length);
  });

  it('writes the release package where the person chose, 0600: results.json, the CSV it names and their checksums; audited', async () => {
    nextSavePath = path.join(exportsDir, 'winter-package.zip');

    const outcome = await analyst.invoke('airlock.export', { projectId: PROJECT_ID, requestId: request.id, format: 'package' });

    expect(outcome).toEqual({ kind: 'saved', path: nextSavePath });
    expect((await stat(nextSavePath)).mode & 0o777).toBe(0o600);
    const files = unzipSync(await readFile(nextSavePath));
    expect(Object.keys(files)).toEqual(['results.json', 'output_0_0.csv', 'checksums.sha256']);
    const results = JSON.parse(new TextDecoder().decode(files['results.json'])) as {
      version: string;
      results: Record<string, { files: { name: string }[] }>;
    };
    expect(results.version).toMatch(/^0\.4\./);
    expect(Object.values(results.results).flatMap((record) => record.files.map((file) => file.name))).toEqual(['output_0_0.csv']);
    const csv = new TextDecoder().decode(files['output_0_0.csv']).trimEnd().split('\n');
    expect(csv).toContain('London,40,');
    expect(csv).toContain('South East,52,47');
    const sums = new TextDecoder().decode(files['checksums.sha256']);
    for (const name of ['results.json', 'output_0_0.csv']) {
      expect(sums).toContain(
        `${createHash('sha256')
          .update(files[name] ?? new Uint8Array())
          .digest('hex')}  ${name}\n`,
      );
    }
    const audit = await admin.invoke('admin.audit', { filter: { typePrefix: 'airlock.package', projectId: PROJECT_ID } });
    expect(audit.events[0]).toMatchObject({ type: 'airlock.package_read', actor: 'demo-analyst', outcome: 'success' });
  });

  it('writes the published cells as CSV', async () => {
    nextSavePath = path.join(exportsDir, 'winter.csv');

    await analyst.invoke('airlock.export', { projectId: PROJECT_ID, fileId: released.fileId, format: 'csv' });

    const lines = (await readFile(nextSavePath, 'utf8')).split('\r\n');
    expect(lines[0]).toBe('region,sex,Count,Status');
    expect(lines).toContain('London,M,,suppressed');
    expect(lines).toContain('South East,F,52,published');
  });

  it('writes nothing when the person closes the save dialog', async () => {
    nextSavePath = null;
    const before = await readdir(exportsDir);

    const outcome = await analyst.invoke('airlock.export', { projectId: PROJECT_ID, fileId: released.fileId, format: 'xlsx' });

    expect(outcome).toEqual({ kind: 'cancelled' });
    expect(await readdir(exportsDir)).toEqual(before);
  });
});

describe('exporting in the browser shell', () => {
  it('the page gets a one-time download of the checked workbook, served once as an attachment', async () => {
    const core = await signedInCore('demo-analyst', 'browser');
    const rendererDir = path.join(root, 'renderer');
    await mkdir(rendererDir, { recursive: true });
    await writeFile(path.join(rendererDir, 'index.html'), MINIMAL_INDEX_HTML);
    const shell = await startBrowserShell({ core, rendererDir });
    const transport = await connectHttpTransport(shell);
    try {
      const page = createClient(transport);

      const outcome = await page.invoke('airlock.export', { projectId: PROJECT_ID, fileId: released.fileId, format: 'xlsx' });

      expect(outcome).toMatchObject({
        kind: 'download',
        fileName: expect.stringMatching(/^admissions-by-region-and-sex-[0-9a-f]{8}\.xlsx$/),
      });
      if (outcome.kind !== 'download') return;
      const first = await fetch(new URL(outcome.url, shell.url));
      const again = await fetch(new URL(outcome.url, shell.url));
      expect(first.status).toBe(200);
      expect(first.headers.get('content-disposition')).toMatch(/^attachment; filename="admissions-by-region-and-sex-/);
      const book = readWorkbook(new Uint8Array(await first.arrayBuffer()));
      expect(book.sheets.get('Table')).toContainEqual(['London', 'M', null, 'suppressed']);
      expect(book.sheets.get('Provenance')).toContainEqual(['SHA-256 of the published output', released.sha256]);
      expect(again.status).toBe(404);
    } finally {
      transport.close();
      await shell.close();
    }
  });
});

describe('the export gate refuses, writing nothing', () => {
  async function refused(fileId: string): Promise<{ code: string; message: string }> {
    nextSavePath = path.join(exportsDir, 'must-not-exist.xlsx');
    const error = await errorOf(analyst.invoke('airlock.export', { projectId: PROJECT_ID, fileId, format: 'xlsx' }));
    expect(await readdir(exportsDir)).not.toContain('must-not-exist.xlsx');
    return error;
  }

  async function refusedPackage(requestId: string): Promise<{ code: string; message: string }> {
    nextSavePath = path.join(exportsDir, 'must-not-exist.zip');
    const error = await errorOf(analyst.invoke('airlock.export', { projectId: PROJECT_ID, requestId, format: 'package' }));
    expect(await readdir(exportsDir)).not.toContain('must-not-exist.zip');
    return error;
  }

  it('a file of a request that was never released, and an id that names nothing: not found', async () => {
    let pending = await analyst.invoke('airlock.create', { projectId: PROJECT_ID, title: 'Spring planning: admissions', context: CONTEXT });
    pending = await analyst.invoke('airlock.putFile', {
      requestId: pending.id,
      expectedVersion: pending.version,
      name: 'spring',
      output: { ...DOCUMENT, title: 'Spring admissions by region and sex' },
      exception: 'Suppressed as suggested.',
    });
    const unreleased = pending.files[0]?.id ?? '';

    expect((await refused(unreleased)).code).toBe('not_found');
    expect((await refused('file-00000000000000000000')).code).toBe('not_found');
    const notReleased = await refusedPackage(pending.id);
    expect(notReleased.code).toBe('conflict');
    expect(notReleased.message).toMatch(/only a released request has a release package/);
    const audit = await admin.invoke('admin.audit', { filter: { typePrefix: 'airlock.package' } });
    expect(audit.events.find((event) => event.details['requestId'] === pending.id)).toMatchObject({
      type: 'airlock.package_read',
      actor: 'demo-analyst',
      outcome: 'failure',
    });
  });

  it('content changed in the platform’s database after release: it no longer hashes to what was released', async () => {
    const database = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'));
    const row = database.prepare('SELECT published FROM airlock_releases WHERE file_id = ?').get(released.fileId) as { published: string };
    const original = row.published;
    // The small count put back into the hidden cell, as a forger would.
    const forged = JSON.parse(original) as { cells: Array<{ key: Record<string, string>; value: number | null; status: string }> };
    for (const cell of forged.cells) {
      if (cell.key.region === 'London' && cell.key.sex === 'M') Object.assign(cell, { value: SMALL_COUNT, status: 'published' });
    }
    database.prepare('UPDATE airlock_releases SET published = ? WHERE file_id = ?').run(JSON.stringify(forged), released.fileId);
    try {
      const error = await refused(released.fileId);

      // The platform refuses to hand it out, and the workstation's gate would refuse it too (test/contract: a platform
      // that hands it out anyway): either way it is forbidden, for its SHA-256.
      expect(error.code).toBe('forbidden');
      expect(error.message).toMatch(/SHA-256/);
      const packageError = await refusedPackage(request.id);
      expect(packageError.code).toBe('forbidden');
      expect(packageError.message).toMatch(/SHA-256/);
    } finally {
      database.prepare('UPDATE airlock_releases SET published = ? WHERE file_id = ?').run(original, released.fileId);
      database.close();
    }
    // Put back, it exports again.
    nextSavePath = path.join(exportsDir, 'after-repair.csv');
    expect(await analyst.invoke('airlock.export', { projectId: PROJECT_ID, fileId: released.fileId, format: 'csv' })).toMatchObject({
      kind: 'saved',
    });
  });

  it('egress frozen for the project by an administrator (and open again once lifted)', async () => {
    const incident = await admin.invoke('admin.openIncident', {
      summary: 'Unusual exports from COVID-19 outcomes',
      severity: 'high',
      detectedAt: new Date().toISOString(),
      personalData: false,
    });
    const effect = await admin.invoke('admin.act', {
      action: { action: 'freeze_egress', projectId: PROJECT_ID, incidentId: incident.id, reason: 'Review the exports first.' },
    });

    const error = await refused(released.fileId);
    const packageError = await refusedPackage(request.id);

    expect(error.code).toBe('egress_frozen');
    expect(error.message).toMatch(/Nothing was exported\.$/);
    expect(packageError.code).toBe('egress_frozen');
    expect(packageError.message).toMatch(/Nothing was exported\.$/);
    await admin.invoke('admin.lift', { actionId: effect.restriction?.id ?? '', reason: 'Exports reviewed: nothing wrong.' });
    nextSavePath = path.join(exportsDir, 'after-lift.csv');
    expect(await analyst.invoke('airlock.export', { projectId: PROJECT_ID, fileId: released.fileId, format: 'csv' })).toMatchObject({
      kind: 'saved',
    });
  });

  it('an output revoked after its release', async () => {
    const current = await checkers[1].invoke('airlock.request', { requestId: request.id });
    await checkers[1].invoke('airlock.revoke', {
      requestId: request.id,
      expectedVersion: current.version,
      reason: 'A later output makes this one disclosive by differencing.',
    });

    const error = await refused(released.fileId);

    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/revoked/);
    expect((await refusedPackage(request.id)).message).toMatch(/revoked/);
  });
});
