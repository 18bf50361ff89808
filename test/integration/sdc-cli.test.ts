// `enclave sdc check` as a process: the lead's dispatcher (src/cli/enclave.ts) run by the same
// Node 24 that runs the tests (what `npx node` resolves to), with a file and with standard input.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION_BY_SEX_INPUT } from '../unit/sdc/helpers.ts';

const ENCLAVE = path.resolve('src/cli/enclave.ts');

function enclave(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENCLAVE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const table = { rules: { profile: 'default' }, ...REGION_BY_SEX_INPUT };

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enclave-sdc-int-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('enclave sdc check (process)', () => {
  it('exits 0 and prints the protected table as JSON', async () => {
    const file = path.join(dir, 'table.json');
    await writeFile(file, JSON.stringify(table));
    const result = await enclave(['sdc', 'check', file]);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      status: string;
      cells: { key: Record<string, string>; published: number | null; status: string }[];
    };
    expect(output.status).toBe('pass');
    expect(output.cells.find((c) => c.key['region'] === 'North' && c.key['sex'] === 'M')).toMatchObject({
      published: null,
      status: 'primary',
    });
  });

  it('reads standard input for "-"', async () => {
    const result = await enclave(['sdc', 'check', '-'], JSON.stringify(table));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('intervals');
  });

  it('exits 2 on invalid input, names the field, and prints nothing on stdout', async () => {
    const bad = { ...table, table: { ...table.table, totals: 'sometimes' } };
    const result = await enclave(['sdc', 'check', '-'], JSON.stringify(bad));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('table.totals');
  });

  it('exits 2 on input that is not JSON', async () => {
    const result = await enclave(['sdc', 'check', '-'], 'region,sex,count');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/not valid JSON/);
  });
});
