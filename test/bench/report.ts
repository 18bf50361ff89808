// The bench's report: a plain-text table per data size on stdout and one JSON file with the machine's facts.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { median } from './measure.ts';
import type { EngineResult, SizeResult } from './measure.ts';

export interface MachineFacts {
  os: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  chromium: string | null;
  duckdbNative: string;
  duckdbNodeApiPackage: string;
  duckdbWasm: string | null;
  duckdbWasmPackage: string;
  wasmThreads: number | null;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

const require = createRequire(import.meta.url);

/** A package's installed version, read from its package.json (not exported through "exports" by every package). */
function packageVersion(name: string): string {
  try {
    const entry = require.resolve(name);
    let dir = path.dirname(entry);
    for (let i = 0; i < 6; i += 1) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // not this folder; look one up
      }
      dir = path.dirname(dir);
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((n) => Math.round(n * 100) / 100);
}

export function machineFacts(engines: {
  chromium: string | null;
  duckdbNative: string;
  duckdbWasm: string | null;
  wasmThreads: number | null;
}): MachineFacts {
  const cpus = os.cpus();
  return {
    os: osName(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    chromium: engines.chromium,
    duckdbNative: engines.duckdbNative,
    duckdbNodeApiPackage: packageVersion('@duckdb/node-api'),
    duckdbWasm: engines.duckdbWasm,
    duckdbWasmPackage: packageVersion('@duckdb/duckdb-wasm'),
    wasmThreads: engines.wasmThreads,
    loadAverageAtStart: loadAverage(),
  };
}

const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : value >= 100 ? value.toFixed(0) : value.toFixed(1);

function ratio(wasm: EngineResult, native: EngineResult): number | null {
  return wasm.ok && native.ok && native.medianMs > 0 ? wasm.medianMs / native.medianMs : null;
}

/** Aligns columns: the first left, the rest right. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatSize(result: SizeResult): string {
  const cell = (r: EngineResult): string => (r.ok ? ms(r.medianMs) : 'FAILED');
  const fmtRatio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);
  const rows: string[][] = [['query', 'result rows', 'wasm ms', 'native 1t ms', 'native 2t ms', 'wasm/1t', 'wasm/2t', 'check']];
  const ratios1: number[] = [];
  const ratios2: number[] = [];
  for (const q of result.queries) {
    const r1 = ratio(q.wasm, q.native1);
    const r2 = ratio(q.wasm, q.native2);
    if (r1 !== null) ratios1.push(r1);
    if (r2 !== null) ratios2.push(r2);
    const resultRows = [q.wasm, q.native1, q.native2].find((r) => r.ok);
    const check = q.mismatches.length > 0 ? 'MISMATCH' : q.wasm.ok && q.native1.ok && q.native2.ok ? 'same' : 'partial';
    rows.push([
      q.name,
      resultRows?.ok ? String(resultRows.rows) : '—',
      cell(q.wasm),
      cell(q.native1),
      cell(q.native2),
      fmtRatio(r1),
      fmtRatio(r2),
      check,
    ]);
  }
  rows.push([
    'median ratio',
    '',
    '',
    '',
    '',
    fmtRatio(ratios1.length ? median(ratios1) : null),
    fmtRatio(ratios2.length ? median(ratios2) : null),
    '',
  ]);
  const lines = [
    `## ${result.rows.toLocaleString('en-GB')} episode rows (seed ${result.seed}; median of ${result.runs} timed run${result.runs === 1 ? '' : 's'} after one warm-up; load average at start ${result.loadAverageAtStart.join(', ')})`,
    `data: Parquet ${(result.data.parquetBytes / 2 ** 20).toFixed(1)} MiB, Arrow IPC ${(result.data.arrowBytes / 2 ** 20).toFixed(1)} MiB, ${result.data.cached ? 'cached' : `generated in ${(result.data.prepareMs / 1000).toFixed(1)} s`}`,
    `load: native Parquet → table ${ms(result.native.loadMs)} ms (${result.native.loadThreads} threads); wasm Arrow IPC → table ${ms(result.wasm.loadMs)} ms (+ fetch ${ms(result.wasm.fetchMs)} ms); wasm start-up ${ms(result.wasm.startMs)} ms`,
    '',
    table(rows),
  ];
  if (result.wasm.error) lines.push('', `DuckDB-wasm: ${result.wasm.error}`);
  for (const q of result.queries) {
    for (const [engine, r] of [
      ['wasm', q.wasm],
      ['native 1t', q.native1],
      ['native 2t', q.native2],
    ] as const) {
      if (!r.ok && !(engine === 'wasm' && result.wasm.error)) lines.push(`${q.name}, ${engine}: ${r.error}`);
    }
    for (const m of q.mismatches) lines.push(`MISMATCH in ${q.name}: ${m}`);
  }
  if (result.wasm.pageProblems.length > 0) lines.push('', `The bench page reported: ${result.wasm.pageProblems.join(' | ')}`);
  return lines.join('\n');
}

export function formatMachine(facts: MachineFacts): string {
  return [
    `machine: ${facts.os}, ${facts.cpuModel}, ${facts.cores} cores, ${facts.memoryGiB} GiB; load average at start ${facts.loadAverageAtStart.join(', ')}`,
    `engines: DuckDB-wasm ${facts.duckdbWasm ?? '?'} (@duckdb/duckdb-wasm ${facts.duckdbWasmPackage}, eh bundle, ${facts.wasmThreads ?? '?'} thread) in Chromium ${facts.chromium ?? '?'}; ` +
      `native DuckDB ${facts.duckdbNative} (@duckdb/node-api ${facts.duckdbNodeApiPackage}) on Node ${facts.node}`,
  ].join('\n');
}

export async function writeJson(options: { dir: string; report: unknown; now: Date }): Promise<string> {
  await mkdir(options.dir, { recursive: true });
  const stamp = options.now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '');
  const file = path.join(options.dir, `bench-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(options.report, null, 2)}\n`);
  return file;
}
