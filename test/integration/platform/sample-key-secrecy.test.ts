// A project's pseudonym key stays with the platform: the minimised copy is built with pseudonyms computed in Node, so
// no form of the key is in the copy FILE (its raw bytes, hex, base64, or the HMAC's padded keys), in any answer, in any
// engine error, or in the cause the server logs beside one (pino writes an error's cause's message and stack). Failures
// are provoked at each place the engine can fail: building the copy (in the data, in a treatment, and in a treatment that
// held the key, which the platform never writes but whose failure must not quote it either) and running a query on it.
// SATRE 3.1.x (minimisation): the pseudonymisation secret is held by the platform only.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../src/common/contract.ts';
import type { RowsFormat } from '../../../src/common/platform-api.ts';
import { requireProjectAccess, type ProjectAccess } from '../../../src/platform/authz/access-policy.ts';
import type { CopyColumn, ProjectCopy } from '../../../src/platform/engine/data-engine.ts';
import { MINIMISED_FOLDER } from '../../../src/platform/engine/duckdb-engine.ts';
import { toErrorReply } from '../../../src/platform/http/error-reply.ts';
import { PROJECT_KEYS_FOLDER } from '../../../src/platform/minimisation/project-keys.ts';
import { pseudonymOf } from '../../../src/platform/minimisation/pseudonym.ts';
import { openPlatformCore, type PlatformCore } from '../../../src/platform/platform-core.ts';
import { errorOf } from '../../support/error-of.ts';
import { answerBytes, copyFiles, relation, specOf, stored } from './copy-support.ts';
import { createPlatformFixture, FIXTURE_NHS_NUMBERS, PSEUDONYM, type PlatformFixture } from './fixture.ts';

const PROJECT = 'covid-outcomes';
const ANALYST = { userId: 'demo-analyst', role: 'analyst' as Role, via: 'api' as const };

let fixture: PlatformFixture;
let core: PlatformCore;
let key: Uint8Array;
let access: ProjectAccess;
let copy: ProjectCopy;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  core = await openPlatformCore({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, watchAgreements: false });
  const user = await core.store.getUser(ANALYST.userId);
  access = await requireProjectAccess({
    store: core.store,
    agreements: core.agreements,
    principal: { user: user!, authenticatedBy: 'oidc' },
    projectId: PROJECT,
  });
  copy = await core.queries.copyFor(access.agreement);
  key = await core.projectKeys.keyFor(PROJECT);
});

afterAll(async () => {
  await core?.close();
  await fixture?.cleanup();
});

function padded(pad: number): Uint8Array {
  const block = new Uint8Array(64);
  block.set(key);
  return block.map((byte) => byte ^ pad);
}

/** Every 8-byte run of the key and of HMAC-SHA-256's two padded keys: any one found in a file's bytes is a leak. */
function keyByteRuns(): Buffer[] {
  const runs: Buffer[] = [];
  for (const bytes of [key, padded(0x36), padded(0x5c)]) {
    for (let at = 0; at + 8 <= bytes.length; at += 1) runs.push(Buffer.from(bytes.subarray(at, at + 8)));
  }
  return runs;
}

/** Every form the key can take as text: hex (either case), base64 (either alphabet), the padded keys' hex and \xNN. */
function keyTextForms(): string[] {
  const hex = Buffer.from(key).toString('hex');
  const paddedHex = [0x36, 0x5c].map((pad) => Buffer.from(padded(pad)).toString('hex'));
  const forms = [hex, Buffer.from(key).toString('base64'), Buffer.from(key).toString('base64url'), ...paddedHex].flatMap((form) => [
    form,
    form.toUpperCase(),
  ]);
  // Any 8 bytes written as text would be a leak too; so is a BLOB literal of any bytes at all.
  return [...forms.map((form) => form.slice(0, 16)), ...forms.map((form) => form.slice(-16)), '\\x'];
}

/** The forms of the key found in these bytes (read both as bytes and as text). */
function keyFormsIn(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes);
  const text = buffer.toString('latin1');
  return [
    ...keyByteRuns()
      .filter((run) => buffer.includes(run))
      .map((run) => `bytes ${run.toString('hex')}`),
    ...keyTextForms().filter((form) => form !== '\\x' && text.includes(form)),
  ];
}

/** What pino's error serializer writes for an error: its message and stack, and its cause's (the log line). */
function logged(error: unknown): string {
  const err = error as Error & { cause?: Error };
  return [err.message, err.stack, err.cause?.message, err.cause?.stack, JSON.stringify(toErrorReply(error).body)].join('\n');
}

function expectNothingOfTheKey(error: unknown): void {
  const text = logged(error);
  for (const form of keyTextForms()) expect(text).not.toContain(form);
  for (const nhsNumber of FIXTURE_NHS_NUMBERS) expect(text).not.toContain(nhsNumber);
}

/** Every file under a folder, with its bytes. */
async function filesUnder(folder: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  const names = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  return Promise.all(names.map(async (entry) => ({ name: entry.name, bytes: await readFile(path.join(entry.parentPath, entry.name)) })));
}

describe('the minimised copy holds no form of the project key', () => {
  it('finds the key where it is kept (the search works), and in no byte of the copy file or anything beside it', async () => {
    // The key file holds the key as base64: the search finds it there.
    expect(keyFormsIn(await readFile(path.join(fixture.dataDir, PROJECT_KEYS_FOLDER, `${PROJECT}.json`)))).not.toEqual([]);

    const files = await copyFiles(fixture.dataDir);
    expect(files.some((file) => path.basename(file).startsWith(`${PROJECT}--`))).toBe(true);
    for (const { name, bytes } of await filesUnder(path.join(fixture.dataDir, MINIMISED_FOLDER))) {
      expect(keyFormsIn(bytes), name).toEqual([]);
    }
  });

  it('holds the pseudonyms made with the key instead: the HMAC of each NHS number in the cohort', async () => {
    const answer = await core.queries.query({ ...access, asker: ANALYST, sql: 'SELECT nhs_number FROM patients', format: 'arrow' });
    const { tableFromIPC } = await import('apache-arrow');
    const pseudonyms = [...tableFromIPC(await answerBytes(answer)).getChild('nhs_number')!].map(String);
    for (const pseudonym of pseudonyms) expect(pseudonym).toMatch(PSEUDONYM);
    // The only patient with a positive test (the agreement's cohort).
    expect(pseudonyms).toEqual([pseudonymOf('9990000034', key)]);
  });
});

describe('no answer holds a form of the project key', () => {
  const QUERIES = [
    'SELECT * FROM patients',
    'SELECT * FROM covid_tests JOIN patients USING (nhs_number)',
    'SELECT nhs_number, count(*) AS n FROM hospital_episodes GROUP BY nhs_number',
    "SELECT upper(nhs_number) AS u, length(nhs_number) AS n FROM covid_tests WHERE result <> 'x'",
  ];
  for (const format of ['arrow', 'parquet'] as const) {
    it(`in any sample or query, as ${format}`, async () => {
      const answers: Array<[string, Uint8Array]> = [];
      for (const { id } of copy.relations) {
        answers.push([
          `sample of ${id}`,
          await answerBytes(await core.queries.sample({ ...access, asker: ANALYST, datasetId: id, limit: 100, format })),
        ]);
      }
      for (const sql of QUERIES) {
        answers.push([sql, await answerBytes(await core.queries.query({ ...access, asker: ANALYST, sql, format }))]);
      }
      expect(answers.length).toBe(copy.relations.length + QUERIES.length);
      for (const [what, bytes] of answers) {
        expect(bytes.byteLength, what).toBeGreaterThan(0);
        expect(keyFormsIn(bytes), what).toEqual([]);
        for (const nhsNumber of FIXTURE_NHS_NUMBERS) expect(Buffer.from(bytes).toString('latin1'), what).not.toContain(nhsNumber);
      }
    });
  }
});

/** The key as DuckDB's BLOB literal: what a treatment that carried the key would hold. */
function keyBlob(): string {
  return `'${Array.from(key, (byte) => `\\x${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')}'::BLOB`;
}

describe('an engine error says nothing of the project key', () => {
  const FAILING_BUILDS: Array<[string, () => CopyColumn]> = [
    // The catalogue names a person identifier the data lacks: a binder error on the pseudonym map's query.
    ['a pseudonym of a column the data lacks', () => ({ name: 'nhs_number', pseudonymOf: 'no_such_column', domain: 'person' })],
    // A treatment that held the key, over a column the data lacks: DuckDB writes the statement's text in its message.
    [
      'a column the data lacks, in a treatment holding the key',
      () => ({ name: 'nhs_number', sql: `CAST(${keyBlob()} AS VARCHAR) || raw."no_such_column"` }),
    ],
    // A value that cannot be converted, holding the key's bytes: DuckDB quotes the value in its message.
    // (Unscrubbed, DuckDB says: Could not convert string '\xAB\xCD…9990000018' to INT32, then LINE 1: SELECT … .)
    [
      'a conversion of the key itself',
      () => ({ name: 'nhs_number', sql: `CAST(CAST(${keyBlob()} AS VARCHAR) || raw."nhs_number" AS INTEGER)` }),
    ],
  ];
  for (const [what, column] of FAILING_BUILDS) {
    it(`while building a copy: ${what}`, async () => {
      const spec = specOf({
        projectId: 'key-secrecy',
        version: what,
        relations: [relation({ name: 'patients', columns: [column(), ...stored('sex')] })],
        key,
      });

      const error = await errorOf(core.engine.copy(spec));

      expect(error.code).toBe('unavailable');
      // The operator still learns what kind of failure it was.
      expect((error as { cause?: Error }).cause?.message).toMatch(/Error/);
      expectNothingOfTheKey(error);
      expect(logged(error)).not.toMatch(/SELECT|LINE \d/);
    });
  }

  const FAILING_QUERIES = [
    // Conversions the engine fails on a pseudonym, which DuckDB quotes; a binder error with its hints; a refusal.
    'SELECT CAST(nhs_number AS INTEGER) AS n FROM patients',
    'SELECT no_such_column FROM patients',
    'SELECT * FROM national_opt_outs',
    'SELECT CAST(nhs_number AS DATE) AS d FROM covid_tests',
  ];
  for (const format of ['arrow', 'parquet'] as const satisfies readonly RowsFormat[]) {
    it(`while running a query, as ${format}`, async () => {
      for (const sql of FAILING_QUERIES) {
        const error = await errorOf(core.queries.query({ ...access, asker: ANALYST, sql, format }));
        expect(error.code, sql).not.toBe('internal');
        expectNothingOfTheKey(error);
      }
    });
  }
});
