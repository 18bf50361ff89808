// The demo minimisation rule: direct identifiers and untagged fields are never available; everything else is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldTagSchema } from '../../../src/common/contract.ts';
import { availableFieldNames, isFieldAvailable } from '../../../src/platform/minimisation/field-availability.ts';

const project = { id: 'covid-outcomes' };

describe('isFieldAvailable', () => {
  it('hides any field tagged direct_identifier, whatever its other tags', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...FieldTagSchema.options)), (tags) => {
        expect(isFieldAvailable({ project, field: { name: 'f', tags } })).toBe(tags.length > 0 && !tags.includes('direct_identifier'));
      }),
    );
  });

  it('fails closed: a field nobody tagged is not available', () => {
    expect(isFieldAvailable({ project, field: { name: 'new_field', tags: [] } })).toBe(false);
  });

  it('keeps catalogue order in the available names', () => {
    const fields = [
      { name: 'nhs_number', tags: ['direct_identifier' as const] },
      { name: 'sex', tags: ['quasi_identifier' as const] },
      { name: 'region', tags: ['reference' as const] },
    ];
    expect(availableFieldNames({ project, fields })).toEqual(['sex', 'region']);
  });
});
