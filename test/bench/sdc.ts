// Bench: protection plus LP audit of a 2-way table of 10,000 cells with margins, and of a 3-way
// table of 1,000 cells, under the default profile. Counts are log-normal (median 55), so about
// 4–5% of cells fall below the threshold of 10. Runnable alone: `npx node test/bench/sdc.ts`.
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { runCheck } from '../../src/common/sdc/check.ts';
import type { CheckInput } from '../../src/common/sdc/schema.ts';
import { createHighsSolver } from '../../src/common/sdc/highs-solver.ts';

function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A table with the given category counts per dimension and log-normal counts. */
export function benchTable(sizes: number[], seed: number): CheckInput {
  const random = generator(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const dimensions = sizes.map((_, d) => `d${d}`);
  const cells: CheckInput['table']['cells'] = [];
  const visit = (d: number, key: Record<string, string>): void => {
    if (d === sizes.length) {
      cells.push({ key: { ...key }, count: Math.floor(Math.exp(4 + normal())) });
      return;
    }
    for (let i = 0; i < sizes[d]; i++) visit(d + 1, { ...key, [dimensions[d]]: `c${i}` });
  };
  visit(0, {});
  return { table: { dimensions, cells, totals: 'published' } };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Each case once cold (the first run in the process also pays for the wasm solver's optimising
 * compile, as a one-shot `enclave sdc check` does) and then warm (median of three, as in a
 * long-running workstation).
 */
export async function benchSdc(): Promise<{ name: string; ms: number }[]> {
  const solver = await createHighsSolver();
  const cases: { name: string; input: CheckInput }[] = [
    { name: 'sdc: protect + LP audit, 2-way table 100×100 (10,000 cells) with margins', input: benchTable([100, 100], 7) },
    { name: 'sdc: protect + LP audit, 3-way table 10×10×10 (1,000 cells) with margins', input: benchTable([10, 10, 10], 11) },
  ];
  const time = async (name: string, input: CheckInput): Promise<number> => {
    const start = performance.now();
    const output = await runCheck(input, solver);
    const ms = performance.now() - start;
    if (output.status !== 'pass') throw new Error(`${name}: expected a protected table, got ${output.status}`);
    return ms;
  };
  const results: { name: string; ms: number }[] = [];
  for (const { name, input } of cases) results.push({ name: `${name}, cold`, ms: Math.round(await time(name, input)) });
  for (const { name, input } of cases) {
    const runs = [await time(name, input), await time(name, input), await time(name, input)];
    results.push({ name: `${name}, warm`, ms: Math.round(median(runs)) });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const { name, ms } of await benchSdc()) process.stdout.write(`${name}: ${ms} ms\n`);
}
