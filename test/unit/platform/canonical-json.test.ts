// Canonical JSON: the same value always gives the same bytes, whatever order its keys were written in.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/platform/audit/canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text for the same object built in another order', () => {
    expect(canonicalJson({ username: 'ada', reason: 'wrong', clientId: 'c' })).toBe(
      canonicalJson({ clientId: 'c', reason: 'wrong', username: 'ada' }),
    );
  });

  it('escapes strings as JSON does, including quotes, control characters and non-ASCII', () => {
    expect(canonicalJson({ s: 'a"b\\\n\u0001é' })).toBe('{"s":"a\\"b\\\\\\n\\u0001é"}');
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(TypeError);
  });
});
