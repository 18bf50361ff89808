// `enclave sdc check` through runSdcCheck with in-memory streams: every malformed field is exit 2
// with a message naming it and nothing on stdout; good input is exit 0 with the JSON verdict.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSdcCheck } from '../../../src/cli/sdc.ts';
import { REGION_BY_SEX_INPUT } from './helpers.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdinText = ''): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runSdcCheck(argv, { stdin: Readable.from([stdinText]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

const good = REGION_BY_SEX_INPUT;

const withTable = (patch: Record<string, unknown>) => ({ ...good, table: { ...good.table, ...patch } });
const cell = (i: number, patch: Record<string, unknown>) =>
  withTable({ cells: good.table.cells.map((c, j) => (j === i ? { ...c, ...patch } : c)) });

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enclave-sdc-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runWith(input: unknown): Promise<Run> {
  const file = path.join(dir, `input-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, typeof input === 'string' ? input : JSON.stringify(input));
  return run([file]);
}

describe('enclave sdc check: good input', () => {
  it('exits 0 and prints the verdict as JSON', async () => {
    const result = await runWith(good);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as {
      status: string;
      cells: { published: number | null }[];
      totals: unknown[];
      intervals: unknown[];
    };
    expect(output.status).toBe('pass');
    expect(output.cells.filter((c) => c.published === null).length).toBeGreaterThanOrEqual(2);
    expect(output.totals).toHaveLength(5);
    expect(output.intervals.length).toBeGreaterThanOrEqual(2);
  });

  it('reads standard input for "-"', async () => {
    const result = await run(['-'], JSON.stringify(good));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('status', 'pass');
  });

  it('exits 0 for a failing verdict too (report only)', async () => {
    const result = await runWith({ ...good, protect: false });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('status', 'fail');
  });

  it('writes an ACRO results.json, the table as CSV and their checksums with --acro-dir', async () => {
    const out = path.join(dir, 'acro');
    const file = path.join(dir, 'acro-input.json');
    await writeFile(file, JSON.stringify(good));
    const result = await run([file, '--acro-dir', out]);
    expect(result.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['checksums', 'output_0_0.csv', 'results.json']);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as { version: string };
    expect(results.version).toBe('0.4.12');
    expect((await readdir(path.join(out, 'checksums'))).sort()).toEqual(['output_0_0.csv.txt', 'results.json.txt']);
  });
});

describe('enclave sdc check: bad input is exit 2, names the field, prints nothing on stdout', () => {
  it.each([
    ['not JSON', '{ "table": ', 'input'],
    ['no table', { rules: {} }, 'table'],
    ['an unknown top-level field', { ...good, protekt: true }, 'protekt'],
    ['protect not a boolean', { ...good, protect: 'yes' }, 'protect'],
    ['an unknown profile', { ...good, rules: { profile: 'strict' } }, 'rules.profile'],
    ['a threshold of 0', { ...good, rules: { threshold: 0 } }, 'rules.threshold'],
    ['a fractional threshold', { ...good, rules: { threshold: 2.5 } }, 'rules.threshold'],
    ['k above 1', { ...good, rules: { nk: { n: 2, k: 1.5 } } }, 'rules.nk.k'],
    ['n of 0', { ...good, rules: { nk: { n: 0, k: 0.9 } } }, 'rules.nk.n'],
    ['a negative p', { ...good, rules: { p: -0.1 } }, 'rules.p'],
    ['zerosDisclosive not a boolean', { ...good, rules: { zerosDisclosive: 'no' } }, 'rules.zerosDisclosive'],
    ['a rounding base of 0', { ...good, rules: { rounding: { base: 0 } } }, 'rules.rounding'],
    ['an unknown rule', { ...good, rules: { treshold: 10 } }, 'rules'],
    ['no dimensions', withTable({ dimensions: [] }), 'table.dimensions'],
    ['four dimensions', withTable({ dimensions: ['a', 'b', 'c', 'd'] }), 'table.dimensions'],
    ['repeated dimensions', withTable({ dimensions: ['region', 'region'] }), 'table.dimensions'],
    ['no cells', withTable({ cells: [] }), 'table.cells'],
    ['a fractional count', cell(1, { count: 2.5 }), 'table.cells.1.count'],
    ['a count as text', cell(0, { count: '12' }), 'table.cells.0.count'],
    ['a key without a dimension', cell(1, { key: { region: 'North' } }), 'table.cells.1.key.sex'],
    ['a key with an extra field', cell(0, { key: { region: 'North', sex: 'F', age: '20' } }), 'table.cells.0.key.age'],
    ['"*" as a category', cell(0, { key: { region: '*', sex: 'F' } }), 'table.cells.0.key.region'],
    ['a repeated combination', cell(1, { key: { region: 'North', sex: 'F' } }), 'table.cells.1.key'],
    ['contributions that do not match the count', cell(0, { contributions: [1, 2] }), 'table.cells.0.contributions'],
    ['an unknown totals mode', withTable({ totals: 'some' }), 'table.totals'],
    ['a lower bound of 2', withTable({ lowerBound: 2 }), 'table.lowerBound'],
    ['a lower bound of 1 while zeros are disclosive', withTable({ lowerBound: 1 }), 'table.lowerBound'],
    [
      'a lower bound of 1 with a non-empty cell below 1',
      {
        rules: { zerosDisclosive: false },
        table: { dimensions: ['x'], cells: [{ key: { x: 'a' }, count: 1, contributions: [0.5] }], lowerBound: 1 },
      },
      'table.lowerBound',
    ],
    ['a hidden cell of an unknown category', withTable({ suppressed: [{ region: 'East', sex: 'F' }] }), 'table.suppressed.0.region'],
    [
      'categories that would make more than a million cells',
      withTable({
        dimensions: ['a', 'b', 'c'],
        cells: Array.from({ length: 101 }, (_, i) => ({ key: { a: `a${i}`, b: `b${i}`, c: `c${i}` }, count: 20 })),
      }),
      'table.cells',
    ],
    [
      'a hidden total when totals are not published',
      withTable({ totals: 'none', suppressed: [{ region: '*', sex: 'F' }] }),
      'table.suppressed.0',
    ],
  ])('%s', async (_name, input, field) => {
    const result = await runWith(input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(field);
  });

  it('a file that does not exist', async () => {
    const result = await run([path.join(dir, 'missing.json')]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/cannot read/);
  });

  it.each([[[]], [['a.json', 'b.json']], [['--frobnicate', 'a.json']], [['a.json', '--acro-dir']]])('usage error for %j', async (argv) => {
    const result = await run(argv);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/Usage: enclave sdc check/);
  });
});
