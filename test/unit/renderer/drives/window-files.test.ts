// The drive from a project kept in the window: a local table read from the window's own engine (DuckDB-wasm, in pages)
// is written as CSV or Arrow and loads back into it unchanged; CSV is read by the RFC (quotes, commas and line breaks in
// fields, CRLF, a BOM) with numbers and booleans kept as such; a cut file is refused; an upload goes in chunks that
// join to exactly the bytes, declared with their SHA-256, and commits once.
import { createHash } from 'node:crypto';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../../../src/common/client.ts';
import { DRIVE_WINDOW_CHUNK_BYTES } from '../../../../src/common/contract.ts';
import type { LocalEngine } from '../../../../src/common/local-engine.ts';
import { createWasmLocalEngine } from '../../../../renderer/src/analysis/wasm-engine.ts';
import {
  csvToArrowStream,
  parseCsv,
  readLocalResult,
  tableToArrowFile,
  tableToCsv,
  uploadToDrive,
  windowLoadable,
} from '../../../../renderer/src/drives/window-files.ts';
import { freshWasmDatabase } from '../../../local-engine/support/blocking-wasm.ts';
import { errorOf } from '../../../support/error-of.ts';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function rowsOf(engine: LocalEngine, sql: string): Promise<unknown[]> {
  const result = await engine.run({ sql });
  const page = tableFromIPC(await engine.page({ resultId: result.resultId ?? '', offset: 0, limit: 5000 }));
  return page.toArray().map((row: { toJSON(): unknown }) => row.toJSON());
}

describe('a window engine’s table to and from drive files', () => {
  let engine: LocalEngine;

  beforeAll(async () => {
    engine = await createWasmLocalEngine({ database: await freshWasmDatabase() });
    await engine.run({
      sql: `CREATE TABLE cases AS SELECT i AS id, 'Region, "' || (i % 3) || '"' AS region, i * 1.5 AS score, i % 2 = 0 AS even,
              DATE '2026-01-01' + i::INTEGER AS day FROM range(12000) AS t(i)`,
    });
  }, 60_000);

  // A DECIMAL arrives in a page as the engine's own text for it ("0.0"), and is written so.
  it('reads every page of a table (12,000 rows, more than a page) and writes CSV that loads back the same', async () => {
    const pages: number[] = [];
    const table = await readLocalResult({ engine, source: { table: 'cases' }, onRows: (rows) => pages.push(rows) });
    expect(table.numRows).toBe(12000);
    expect(pages).toEqual([5000, 10000, 12000]);

    const csv = tableToCsv(table);
    const text = new TextDecoder().decode(csv);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'id,region,score,even,day',
      '0,"Region, ""0""",0.0,true,2026-01-01',
      '1,"Region, ""1""",1.5,false,2026-01-02',
    ]);

    await engine.load({ table: 'cases_back', format: 'arrow', chunks: once(windowLoadable('cases.csv', csv)), replace: false });
    expect(
      await rowsOf(engine, 'SELECT count(*)::INTEGER AS n, sum(score) AS s, count(*) FILTER (WHERE even) ::INTEGER AS e FROM cases_back'),
    ).toEqual([{ n: 12000, s: 107991000, e: 6000 }]);
    expect(await rowsOf(engine, 'SELECT region FROM cases_back WHERE id = 4')).toEqual([{ region: 'Region, "1"' }]);
  });

  it('writes a kept result as an Arrow file that loads back the same', async () => {
    const result = await engine.run({ sql: 'SELECT id, region FROM cases WHERE id < 10 ORDER BY id' });
    const table = await readLocalResult({ engine, source: { resultId: result.resultId ?? '' } });
    const file = tableToArrowFile(table);
    expect(new TextDecoder().decode(file.subarray(0, 6))).toBe('ARROW1');

    // The core answers an Arrow file as a stream; the window checks it before the load.
    const { tableToIPC } = await import('apache-arrow');
    const stream = tableToIPC(tableFromIPC(file), 'stream');
    await engine.load({ table: 'first_ten', format: 'arrow', chunks: once(windowLoadable('t.arrow', stream)), replace: false });
    expect(await rowsOf(engine, 'SELECT count(*)::INTEGER AS n, max(id)::INTEGER AS m FROM first_ten')).toEqual([{ n: 10, m: 9 }]);
  });

  it('writes an empty result as a header (CSV) and a schema (Arrow)', async () => {
    const result = await engine.run({ sql: 'SELECT id, region FROM cases WHERE id < 0' });
    const table = await readLocalResult({ engine, source: { resultId: result.resultId ?? '' } });
    expect(new TextDecoder().decode(tableToCsv(table))).toBe('id,region\n');
    expect(tableFromIPC(tableToArrowFile(table)).schema.fields.map((field) => field.name)).toEqual(['id', 'region']);
  });

  it('refuses Parquet for the window’s engine, and a file that is not Arrow', async () => {
    expect((await errorOf(Promise.resolve().then(() => windowLoadable('x.parquet', new Uint8Array([1]))))).message).toContain(
      'cannot read Parquet',
    );
    expect((await errorOf(Promise.resolve().then(() => windowLoadable('x.arrow', new Uint8Array([1, 2, 3]))))).message).toContain(
      'not a complete Arrow file',
    );
  });
});

describe('CSV as the RFC reads it', () => {
  it('keeps quotes, commas and line breaks inside quoted fields; CRLF, LF and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, ""y""","line\nbreak"\r\n,3\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'line\nbreak'],
      ['', '3'],
    ]);
    expect(parseCsv('a\n1')).toEqual([['a'], ['1']]);
  });

  it('refuses a file cut inside a quoted field, and text that is not UTF-8', async () => {
    expect((await errorOf(Promise.resolve().then(() => csvToArrowStream(new TextEncoder().encode('a\n"unfinished'))))).message).toContain(
      'cut short',
    );
    expect((await errorOf(Promise.resolve().then(() => csvToArrowStream(new Uint8Array([0x61, 0x0a, 0xff]))))).message).toContain(
      'not UTF-8',
    );
  });

  it('builds its columns without eval, which the window’s CSP refuses (apache-arrow’s builders compile with new Function)', () => {
    const original = globalThis.Function;
    const refused = (): never => {
      throw new Error('eval refused by the CSP');
    };
    globalThis.Function = new Proxy(original, { construct: refused, apply: refused });
    try {
      expect(tableFromIPC(csvToArrowStream(new TextEncoder().encode('n,b,t\n1,true,x\n,,\n'))).numRows).toBe(2);
    } finally {
      globalThis.Function = original;
    }
  });

  it('types columns of numbers and of true/false, names blank and repeated headers, and reads empty fields as null', () => {
    const table = tableFromIPC(csvToArrowStream(new TextEncoder().encode('n,flag,,n,text\n1,true,a,2.5e3,x\n,FALSE,b,-3,\n')));
    expect(table.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual([
      'n:Float64',
      'flag:Bool',
      'column2:Utf8',
      'n_1:Float64',
      'text:Utf8',
    ]);
    expect(table.toArray().map((row: { toJSON(): unknown }) => row.toJSON())).toEqual([
      { n: 1, flag: true, column2: 'a', n_1: 2500, text: 'x' },
      { n: null, flag: false, column2: 'b', n_1: -3, text: null },
    ]);
  });
});

describe('an upload from the window', () => {
  it('sends the bytes in chunks from where the session stands, declared with their SHA-256, then commits once', async () => {
    const bytes = new Uint8Array(DRIVE_WINDOW_CHUNK_BYTES * 2 + 123).map((_, i) => (i * 7) % 251);
    const calls: string[] = [];
    const parts: Buffer[] = [];
    let receivedBytes = 0;
    let declared: { size: number; sha256: string; condition: unknown } | null = null;
    const client = {
      invoke: async (name: string, input: Record<string, unknown>) => {
        calls.push(name);
        const session = (offset: number) => ({
          uploadId: `up-${'a'.repeat(24)}`,
          path: 'results/a.csv',
          size: bytes.byteLength,
          sha256: declared?.sha256 ?? '',
          offset,
          expiresAt: '2026-12-10T00:00:00.000Z',
        });
        if (name === 'drive.uploadStart') {
          declared = input as never;
          return session(0);
        }
        if (name === 'drive.uploadChunk') {
          expect(input.offset).toBe(receivedBytes);
          expect(input.total).toBe(bytes.byteLength);
          const chunk = Buffer.from(input.data as string, 'base64');
          expect(chunk.byteLength).toBeLessThanOrEqual(DRIVE_WINDOW_CHUNK_BYTES);
          parts.push(chunk);
          receivedBytes += chunk.byteLength;
          return session(receivedBytes);
        }
        return { path: 'results/a.csv' };
      },
    } as unknown as Client;

    await uploadToDrive({ client, projectId: 'p', path: 'results/a.csv', bytes, condition: { ifAbsent: true } });

    expect(calls).toEqual(['drive.uploadStart', 'drive.uploadChunk', 'drive.uploadChunk', 'drive.uploadChunk', 'drive.uploadCommit']);
    expect(declared).toMatchObject({
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      condition: { ifAbsent: true },
    });
    expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
  });
});
