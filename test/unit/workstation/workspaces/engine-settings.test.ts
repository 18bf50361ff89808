// The native local engine's memory limit, as the analyst sets it (ENCLAVE_LOCAL_MEMORY_LIMIT): bad input is refused with
// a message that names the setting and says what would do, never silently replaced by the default.
import { describe, expect, it } from 'vitest';
import { localMemoryLimit } from '../../../../src/workstation/workspaces/engine-settings.ts';

const GIB = 2 ** 30;
const TOTAL = 16 * GIB;

describe('ENCLAVE_LOCAL_MEMORY_LIMIT', () => {
  it('is the default (undefined) when unset or blank', () => {
    expect(localMemoryLimit({}, TOTAL)).toBeUndefined();
    expect(localMemoryLimit({ ENCLAVE_LOCAL_MEMORY_LIMIT: '  ' }, TOTAL)).toBeUndefined();
  });

  it.each([
    ['8GiB', 8 * GIB],
    ['512MiB', 512 * 2 ** 20],
    ['6GB', 6e9],
    ['1.5 GiB', 1.5 * GIB],
    ['40%', Math.floor(TOTAL * 0.4)],
    ['12.5%', Math.floor(TOTAL * 0.125)],
  ])('reads %s', (text, bytes) => {
    expect(localMemoryLimit({ ENCLAVE_LOCAL_MEMORY_LIMIT: text }, TOTAL)).toBe(bytes);
  });

  it.each([
    ['lots', 'that is not a size.'],
    ['8 parsecs', 'that is not a size.'],
    ['-1GiB', 'that is not a size.'],
    ['100MiB', 'less than 256 MiB'],
    ['0%', 'more than 0% and at most 90%'],
    ['95%', 'more than 0% and at most 90%'],
    ['64GiB', "more than this computer's memory (16 GiB)"],
  ])('refuses %s, saying why', (text, why) => {
    expect(() => localMemoryLimit({ ENCLAVE_LOCAL_MEMORY_LIMIT: text }, TOTAL)).toThrow(why);
    expect(() => localMemoryLimit({ ENCLAVE_LOCAL_MEMORY_LIMIT: text }, TOTAL)).toThrow(/^ENCLAVE_LOCAL_MEMORY_LIMIT is "/);
  });
});
