// The preload's name lists (src/common/contract-names.ts) must be exactly the contract's.
import { describe, expect, it } from 'vitest';
import { events, methods } from '../../../src/common/contract.ts';
import { EVENT_NAMES, isContractEventName, isContractMethodName, METHOD_NAMES } from '../../../src/common/contract-names.ts';

describe('the contract names the preload knows', () => {
  it("are exactly the contract's methods", () => {
    expect([...METHOD_NAMES].sort()).toEqual(Object.keys(methods).sort());
  });

  it("are exactly the contract's events", () => {
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(events).sort());
  });

  it('do not accept names inherited from Object.prototype', () => {
    expect(
      ['constructor', '__proto__', 'toString', 'hasOwnProperty'].some((name) => isContractMethodName(name) || isContractEventName(name)),
    ).toBe(false);
  });
});
