// The agreements folder, live (issue 15): files the admin edits take effect without a restart, each accepted change
// is a new version, a bad edit never takes effect (the last good version stays in force and the error is told),
// and versions survive a restart in the loader's own state file (0600 in a 0700 folder).
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAgreements } from '../../../src/platform/agreements/loader.ts';
import type { AgreementChange, AgreementLoader, AgreementLoaderOptions } from '../../../src/platform/agreements/loader.ts';
import { createFileVersionStore } from '../../../src/platform/agreements/versions.ts';
import { agreementText, goodAgreement, lookups } from '../../unit/platform/agreements/fixtures.ts';

let root: string;
let dir: string;
let stateFile: string;
const open: AgreementLoader[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-agreements-'));
  dir = path.join(root, 'agreements');
  stateFile = path.join(root, 'state', 'agreement-versions.json');
  await mkdir(dir);
});

afterEach(async () => {
  for (const loader of open.splice(0)) await loader.stop();
  await rm(root, { recursive: true, force: true });
});

/** Changes as they are told, and a way to wait for the next one (the watcher's; no sleeps). */
function recorder() {
  const changes: AgreementChange[] = [];
  let waiting: ((change: AgreementChange) => void) | undefined;
  return {
    changes,
    onChange: (change: AgreementChange) => {
      changes.push(change);
      waiting?.(change);
      waiting = undefined;
    },
    next: () => new Promise<AgreementChange>((resolve) => (waiting = resolve)),
  };
}

async function start(options: Partial<AgreementLoaderOptions> = {}): Promise<AgreementLoader> {
  const loader = await openAgreements({
    dir,
    lookups: lookups(),
    versions: createFileVersionStore(stateFile),
    watch: false,
    debounceMs: 20,
    ...options,
  });
  open.push(loader);
  return loader;
}

const write = (name: string, value: unknown): Promise<void> => writeFile(path.join(dir, name), agreementText(value));
const withPurpose = (purpose: string) => ({ ...goodAgreement(), purpose });

describe('the agreements loader', () => {
  it('loads every good file at version 1, and reports a bad file without stopping the others', async () => {
    await write('cardio-admissions.json', goodAgreement());
    await write('covid-outcomes.json', goodAgreement('covid-outcomes'));
    await write('opt-out.json', { ...goodAgreement('opt-out'), rowCap: 0 });
    const told = recorder();
    const loader = await start({ onChange: told.onChange });

    expect(loader.all().map(({ projectId, version }) => [projectId, version])).toEqual([
      ['cardio-admissions', 1],
      ['covid-outcomes', 1],
    ]);
    expect(loader.get('opt-out')).toBeUndefined();
    expect(loader.problems().get('opt-out')?.message).toBe('opt-out.json line 16, column 3, rowCap: must be at least 1');
    expect(
      told.changes.map((change) =>
        'error' in change ? `${change.projectId}: refused` : `${change.projectId}: v${'version' in change ? change.version : '?'}`,
      ),
    ).toEqual(['cardio-admissions: v1', 'covid-outcomes: v1', 'opt-out: refused']);
  });

  it('gives a new version only when the content changes', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const told = recorder();
    const loader = await start({ onChange: told.onChange });
    await write('cardio-admissions.json', goodAgreement());
    await loader.reload();
    expect(loader.get('cardio-admissions')?.version).toBe(1);

    await write('cardio-admissions.json', withPurpose('Measure readmissions too.'));
    await loader.reload();
    expect(loader.get('cardio-admissions')).toMatchObject({ version: 2, agreement: { purpose: 'Measure readmissions too.' } });
    expect(told.changes.map((change) => ('version' in change ? change.version : 'error'))).toEqual([1, 2]);
  });

  it('keeps the last good version in force when an edit is bad, tells the error, and takes the fix as the next version', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const told = recorder();
    const loader = await start({ onChange: told.onChange });
    const bad = goodAgreement();
    bad.members[1].trainingExpires = '31/10/2026';
    await write('cardio-admissions.json', bad);
    await loader.reload();

    expect(loader.get('cardio-admissions')).toMatchObject({ version: 1, agreement: { members: [{}, { trainingExpires: '2026-10-31' }] } });
    const refusal = told.changes.at(-1);
    expect(refusal && 'error' in refusal ? refusal.error.problems : undefined).toEqual([
      {
        file: 'cardio-admissions.json',
        line: 31,
        column: 7,
        path: 'members[1].trainingExpires',
        message: 'must be a date like 2026-03-31',
      },
    ]);
    expect(refusal && 'error' in refusal ? refusal.error.toValue() : undefined).toEqual({
      code: 'invalid_input',
      message: 'cardio-admissions.json line 31, column 7, members[1].trainingExpires: must be a date like 2026-03-31',
    });

    // The same bad content read again is not told again.
    await loader.reload();
    expect(told.changes).toHaveLength(2);

    bad.members[1].trainingExpires = '2027-03-31';
    await write('cardio-admissions.json', bad);
    await loader.reload();
    expect(loader.get('cardio-admissions')).toMatchObject({ version: 2, agreement: { members: [{}, { trainingExpires: '2027-03-31' }] } });
    expect(loader.problems().size).toBe(0);
  });

  it('clears the error without a new version when a bad edit is undone', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const told = recorder();
    const loader = await start({ onChange: told.onChange });
    await writeFile(path.join(dir, 'cardio-admissions.json'), '{ "projectId": ');
    await loader.reload();
    await write('cardio-admissions.json', goodAgreement());
    await loader.reload();

    expect(loader.get('cardio-admissions')?.version).toBe(1);
    expect(loader.problems().size).toBe(0);
    expect(told.changes.map((change) => ('error' in change ? 'error' : 'version' in change ? change.version : 'withdrawn'))).toEqual([
      1,
      'error',
      1,
    ]);
  });

  it('sees an editor write a temporary file and rename it into place, with no restart and no reload', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const told = recorder();
    const loader = await start({ onChange: told.onChange, watch: true });
    const next = told.next();
    // As editors and atomic-write libraries do: a hidden or differently named file, then a rename over the old one.
    const temporary = path.join(dir, '.cardio-admissions.json.swp');
    await writeFile(temporary, agreementText(withPurpose('Edited in an editor.')));
    await rename(temporary, path.join(dir, 'cardio-admissions.json'));

    expect(await next).toMatchObject({ projectId: 'cardio-admissions', version: 2, agreement: { purpose: 'Edited in an editor.' } });
    expect(loader.get('cardio-admissions')?.version).toBe(2);
  });

  it('sees a new file and a bad edit through the watcher too', async () => {
    const told = recorder();
    const loader = await start({ onChange: told.onChange, watch: true });
    let next = told.next();
    await write('covid-outcomes.json', goodAgreement('covid-outcomes'));
    expect(await next).toMatchObject({ projectId: 'covid-outcomes', version: 1 });

    next = told.next();
    await write('covid-outcomes.json', { ...goodAgreement('covid-outcomes'), dpiaReference: 7 });
    const refused = await next;
    expect('error' in refused && refused.error.message).toBe(
      'covid-outcomes.json line 12, column 3, dpiaReference: must be text in "double quotes", or null while there is none',
    );
    expect(loader.get('covid-outcomes')?.version).toBe(1);
  });

  it('keeps versions across a restart, and the last good version when the file broke while the platform was down', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const first = await start();
    await write('cardio-admissions.json', withPurpose('Second.'));
    await first.reload();
    await first.stop();

    const told = recorder();
    const second = await start({ onChange: told.onChange });
    expect(second.get('cardio-admissions')).toMatchObject({ version: 2, agreement: { purpose: 'Second.' } });
    expect(told.changes).toEqual([]);
    await second.stop();

    await writeFile(path.join(dir, 'cardio-admissions.json'), '{\n  "projectId": "cardio-admissions",\n}\n');
    const third = await start({ onChange: told.onChange });
    expect(third.get('cardio-admissions')).toMatchObject({ version: 2, agreement: { purpose: 'Second.' } });
    expect(third.problems().get('cardio-admissions')?.message).toBe(
      'cardio-admissions.json line 3, column 1: a field name in "double quotes" is expected here (is there a comma too many before it?)',
    );
    await write('cardio-admissions.json', withPurpose('Third.'));
    await third.reload();
    expect(third.get('cardio-admissions')?.version).toBe(3);
  });

  it('keeps its state file private: 0600 in a 0700 folder, and refuses one others can read', async () => {
    await write('cardio-admissions.json', goodAgreement());
    await start();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(stateFile))).mode & 0o777).toBe(0o700);

    await chmod(stateFile, 0o644);
    await expect(start()).rejects.toThrow(`The agreement versions file ${stateFile} can be read by other users.`);
  });

  it('refuses a damaged state file rather than start the versions again', async () => {
    await mkdir(path.dirname(stateFile), { mode: 0o700 });
    await writeFile(stateFile, '{ "projects": ', { mode: 0o600 });
    await expect(start()).rejects.toThrow(`The agreement versions file ${stateFile} is damaged.`);
  });

  it('withdraws an agreement whose file is removed, and puts the same content back at the same version', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const told = recorder();
    const loader = await start({ onChange: told.onChange });
    await unlink(path.join(dir, 'cardio-admissions.json'));
    await loader.reload();
    expect(loader.get('cardio-admissions')).toBeUndefined();
    expect(told.changes.at(-1)).toEqual({ projectId: 'cardio-admissions', withdrawn: true, version: 1 });

    await write('cardio-admissions.json', goodAgreement());
    await loader.reload();
    expect(loader.get('cardio-admissions')?.version).toBe(1);
  });

  it('says which folder is missing', async () => {
    await expect(start({ dir: path.join(root, 'nowhere') })).rejects.toThrow(
      `The agreements folder ${path.join(root, 'nowhere')} is missing or cannot be read.`,
    );
  });

  it('saves an edit made on the platform only if it is good, through the same checks (issue 18)', async () => {
    await write('cardio-admissions.json', goodAgreement());
    const loader = await start();
    const before = await readFile(path.join(dir, 'cardio-admissions.json'), 'utf8');
    const bad = goodAgreement();
    bad.members.push({ ...bad.members[0], userId: 'nobody' });
    const refused = await loader.save({ projectId: 'cardio-admissions', text: agreementText(bad) });
    expect(refused.ok ? undefined : refused.error.problems.map((problem) => problem.path)).toEqual(['members[2].userId']);
    expect(await readFile(path.join(dir, 'cardio-admissions.json'), 'utf8')).toBe(before);

    const good = goodAgreement();
    good.members.push({ ...good.members[0], userId: 'dana', role: 'data_manager' });
    const saved = await loader.save({ projectId: 'cardio-admissions', text: agreementText(good) });
    expect(saved.ok && saved.inForce.version).toBe(2);
    expect(loader.get('cardio-admissions')?.agreement.members.map((member) => member.userId)).toEqual(['ada', 'ben', 'dana']);
  });

  it('refuses to save under a project id that would leave the agreements folder', async () => {
    const loader = await start();
    const saved = await loader.save({ projectId: '../escaped', text: agreementText(goodAgreement('escaped')) });
    expect(saved.ok ? undefined : saved.error.message).toContain('the file name must be the project id and .json');
    await expect(stat(path.join(root, 'escaped.json'))).rejects.toThrow('ENOENT');
  });
});
