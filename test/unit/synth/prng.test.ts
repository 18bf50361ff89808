// The seeded PRNG and the samplers built on it: determinism first (same seed ⇒ same data), then shape.
import { describe, expect, it } from 'vitest';
import { AliasTable } from '../../../src/platform/synth/alias.ts';
import { Prng } from '../../../src/platform/synth/prng.ts';

const draw = (prng: Prng, n: number): number[] => Array.from({ length: n }, () => prng.u32());

describe('Prng', () => {
  it('gives the same stream for the same seed and stream number', () => {
    expect(draw(new Prng(42), 1000)).toEqual(draw(new Prng(42), 1000));
    expect(draw(new Prng(42, 3), 100)).toEqual(draw(new Prng(42, 3), 100));
  });

  it('gives unrelated streams for neighbouring seeds, for separate stream numbers, and for seeds past 32 bits', () => {
    const a = draw(new Prng(1), 100);
    for (const other of [draw(new Prng(2), 100), draw(new Prng(1, 1), 100), draw(new Prng(1 + 2 ** 32), 100)]) {
      const same = a.filter((v, i) => v === other[i]).length;
      expect(same).toBe(0);
    }
  });

  it('refuses a seed that is not a safe integer', () => {
    expect(() => new Prng(1.5)).toThrow(RangeError);
    expect(() => new Prng(2 ** 60)).toThrow(RangeError);
  });

  it('draws floats in [0, 1) with mean ½ and integers in range', () => {
    const prng = new Prng(9);
    let sum = 0;
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const f = prng.float();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      const k = prng.int(6);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('draws gamma, Poisson and normal values with the asked-for means', () => {
    const prng = new Prng(5);
    const n = 40_000;
    const mean = (f: () => number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += f();
      return s / n;
    };
    expect(mean(() => prng.gamma(0.5))).toBeCloseTo(0.5, 1);
    expect(mean(() => prng.gamma(3))).toBeCloseTo(3, 1);
    expect(mean(() => prng.poisson(2))).toBeCloseTo(2, 1);
    expect(mean(() => prng.poisson(80))).toBeCloseTo(80, 0);
    expect(mean(() => prng.normal())).toBeCloseTo(0, 1);
    expect(mean(() => prng.exponential(4))).toBeCloseTo(4, 0);
  });
});

describe('AliasTable', () => {
  it('samples in proportion to the weights and never picks a zero weight', () => {
    const table = new AliasTable([1, 0, 3, 6]);
    const prng = new Prng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[table.sample(prng)] += 1;
    expect(counts[1]).toBe(0);
    expect(counts[0] / 1e5).toBeCloseTo(0.1, 2);
    expect(counts[2] / 1e5).toBeCloseTo(0.3, 2);
    expect(counts[3] / 1e5).toBeCloseTo(0.6, 2);
  });

  it('refuses empty, all-zero, negative or non-finite weights', () => {
    expect(() => new AliasTable([])).toThrow(RangeError);
    expect(() => new AliasTable([0, 0])).toThrow(RangeError);
    expect(() => new AliasTable([1, -1])).toThrow(RangeError);
    expect(() => new AliasTable([1, Number.NaN])).toThrow(RangeError);
  });
});
