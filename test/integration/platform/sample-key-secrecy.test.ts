// A sample's SELECT holds the project's pseudonym key (as padded BLOB literals, src/platform/minimisation/pseudonym.ts).
// When the engine fails during a sample, in either format, nothing of the key reaches the error's message, the cause
// the server logs beside it (pino writes an error's cause's message and stack), or the answer sent to the client.
// SATRE 3.1.x (minimisation): the pseudonymisation secret is held by the platform only.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import type { DataEngine, SampleColumn } from '../../../src/platform/engine/data-engine.ts';
import { openDuckDbEngine } from '../../../src/platform/engine/duckdb-engine.ts';
import { toErrorReply } from '../../../src/platform/http/error-reply.ts';
import { pseudonymSql } from '../../../src/platform/minimisation/pseudonym.ts';
import { createPlatformFixture, FIXTURE_NHS_NUMBERS, type PlatformFixture } from './fixture.ts';

const key = new Uint8Array(randomBytes(32));

/** Every form the key can take in SQL or text: raw bytes as hex, base64, and the padded keys' \xNN literals. */
function keyForms(): string[] {
  const hex = Buffer.from(key).toString('hex');
  const padded = [0x36, 0x5c].map((pad) => {
    const block = new Uint8Array(64);
    block.set(key);
    return Buffer.from(block.map((byte) => byte ^ pad)).toString('hex');
  });
  const forms = [hex, hex.toUpperCase(), Buffer.from(key).toString('base64'), ...padded, ...padded.map((each) => each.toUpperCase())];
  // Any 4 bytes of a padded key written as DuckDB writes BLOB literals (\xAB\xCD…) would be a leak too.
  return [...forms.map((form) => form.slice(0, 16)), '\\x'];
}

/** What pino's error serializer writes for an error: its message and stack, and its cause's (the log line). */
function logged(error: unknown): string {
  const err = error as Error & { cause?: Error };
  return [err.message, err.stack, err.cause?.message, err.cause?.stack, JSON.stringify(toErrorReply(error).body)].join('\n');
}

let fixture: PlatformFixture;
let engine: DataEngine;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
});

afterAll(async () => {
  await engine?.close();
  await fixture?.cleanup();
});

const FAILING: Array<[string, SampleColumn]> = [
  // The catalogue names a column the data lacks: a binder error, which DuckDB writes with the statement's text.
  ['a column the data lacks', { name: 'nhs_number', sql: pseudonymSql(quoteIdentifier('no_such_column'), key) }],
  // A value that cannot be converted, holding the key's bytes: DuckDB quotes the value in its message.
  [
    'a conversion of the key itself',
    // (Unscrubbed, DuckDB says: Could not convert string '\xAB\xCD…9990000018' to INT32, then LINE 1: SELECT … .)
    { name: 'nhs_number', sql: `CAST(CAST(${keyBlob()} AS VARCHAR) || ${quoteIdentifier('nhs_number')} AS INTEGER)` },
  ],
];

function keyBlob(): string {
  return `'${Array.from(key, (byte) => `\\x${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')}'::BLOB`;
}

describe('an engine error during a sample says nothing of the project key', () => {
  for (const [what, column] of FAILING) {
    for (const format of ['arrow', 'parquet'] as const) {
      it(`${what}, as ${format}`, async () => {
        const request = { datasetId: 'patients', columns: [column], orderBy: ['nhs_number'], limit: 5 };
        const error = await (format === 'arrow' ? engine.sample(request) : engine.sampleParquet(request)).then(
          () => null,
          (err: unknown) => err,
        );
        expect(error).toMatchObject({ code: 'internal' });
        // The operator still learns what kind of failure it was.
        expect((error as { cause?: Error }).cause?.message).toMatch(/Error/);
        const text = logged(error);
        for (const form of keyForms()) expect(text).not.toContain(form);
        expect(text).not.toMatch(/SELECT|LINE \d/);
        for (const nhsNumber of FIXTURE_NHS_NUMBERS) expect(text).not.toContain(nhsNumber);
      });
    }
  }
});
