// Which fields a project may see. DEMO POLICY, the whole of it: a field tagged `direct_identifier` (the NHS
// number) is never available to any project, nor is a field nobody tagged (fail closed); every other field is. Samples carry only available fields, and
// the catalogue marks the rest `available: false`. A later issue replaces this with per-project agreements
// (a policy profile maps tags to treatments — drop, keyed pseudonym, date coarsening, … — that an agreement
// may tighten); the project is already an argument so callers do not change then.
import type { FieldTag, Project } from '../../common/contract.ts';

export interface TaggedField {
  readonly name: string;
  readonly tags: readonly FieldTag[];
}

export function isFieldAvailable(options: { project: Pick<Project, 'id'>; field: TaggedField }): boolean {
  const { tags } = options.field;
  return tags.length > 0 && !tags.includes('direct_identifier');
}

export function availableFieldNames(options: { project: Pick<Project, 'id'>; fields: readonly TaggedField[] }): string[] {
  return options.fields.filter((field) => isFieldAvailable({ project: options.project, field })).map((field) => field.name);
}
