// One agreement file's text → an agreement, or every problem with it, located by file, line, column and field path.
// The same checks serve an edited file (./loader.ts) and, later, the members screen's edits (issue 18): one path.
// What the rest of the platform knows (users, the catalogue, the minimisation policy) comes in as lookups, so this
// stays a library the composition root wires.
import type { z } from 'zod';
import type { Treatment } from '../minimisation/treatment-schema.ts';
import { LocatedJson } from './json-locations.ts';
import type { AgreementProblem, JsonPath } from './json-locations.ts';
import { AgreementSchema } from './schema.ts';
import type { Agreement, LegalBasis } from './schema.ts';

type Awaitable<T> = T | Promise<T>;

export interface TreatmentCheck {
  readonly dataset: string;
  readonly field: string;
  readonly treatment: Treatment;
  readonly legalBasis: LegalBasis;
}

/** What the platform knows that an agreement refers to. */
export interface AgreementLookups {
  /** Whether the platform has this person (by the id the agreement names). */
  userExists(userId: string): Awaitable<boolean>;
  /** The names of the dataset's fields, or undefined when the catalogue has no such dataset. */
  datasetFields(datasetId: string): Awaitable<readonly string[] | undefined>;
  /** The minimisation policy's verdict on one override: null when accepted, else why not (completes "path: …"). */
  checkTreatment(check: TreatmentCheck): Awaitable<string | null>;
}

export type AgreementValidation = { ok: true; agreement: Agreement } | { ok: false; problems: AgreementProblem[] };

const FILE_NAME = /^([a-z0-9][a-z0-9_-]{0,63})\.json$/;

/** The project an agreement file is for, from its name; undefined for a name that cannot be a project's. */
export function projectIdOfFile(fileName: string): string | undefined {
  return FILE_NAME.exec(fileName)?.[1];
}

export async function validateAgreementText(options: {
  /** The file's name, no folder: "cardio-admissions.json". */
  fileName: string;
  text: string;
  lookups: AgreementLookups;
}): Promise<AgreementValidation> {
  const { fileName: file, text } = options;
  const expectedId = projectIdOfFile(file);
  if (expectedId === undefined) {
    return fail([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: 'the file name must be the project id and .json, in lower-case letters, digits, "-" or "_" (e.g. cardio-admissions.json)',
      },
    ]);
  }
  const parsedText = LocatedJson.parse(file, text);
  if ('problems' in parsedText) return fail(parsedText.problems);
  const { json } = parsedText;
  const at = (path: JsonPath, message: string): AgreementProblem => json.problem({ file, path, message });

  const parsed = AgreementSchema.safeParse(json.value, { error: wordIssue });
  if (!parsed.success) return fail(parsed.error.issues.flatMap((issue) => problemsOf(issue, at)));
  const agreement = parsed.data;

  const problems: AgreementProblem[] = [];
  if (agreement.projectId !== expectedId) {
    problems.push(
      at(['projectId'], `must be "${expectedId}", the file's name without .json (or rename the file to ${agreement.projectId}.json)`),
    );
  }
  problems.push(...(await crossCheck(agreement, { lookups: options.lookups, at })));
  return problems.length > 0 ? fail(problems) : { ok: true, agreement };
}

function fail(problems: AgreementProblem[]): AgreementValidation {
  return { ok: false, problems };
}

async function crossCheck(
  agreement: Agreement,
  context: { lookups: AgreementLookups; at: (path: JsonPath, message: string) => AgreementProblem },
): Promise<AgreementProblem[]> {
  const { lookups, at } = context;
  const problems: AgreementProblem[] = [];
  for (const [i, member] of agreement.members.entries()) {
    if (!(await lookups.userExists(member.userId))) {
      problems.push(at(['members', i, 'userId'], 'is not a person the platform knows (check the spelling, or register them first)'));
    }
  }
  const fields = new Map<string, ReadonlySet<string>>();
  for (const [i, dataset] of agreement.datasets.entries()) {
    const names = await lookups.datasetFields(dataset);
    if (names === undefined) problems.push(at(['datasets', i], 'is not a dataset in the catalogue'));
    else fields.set(dataset, new Set(names));
  }
  /** A field the agreement names must be one of its dataset's; a dataset the catalogue lacks was reported above. */
  const checkField = (options: { dataset: string; field: string; path: JsonPath }): boolean => {
    const names = fields.get(options.dataset);
    if (names === undefined) return false;
    if (names.has(options.field)) return true;
    problems.push(at(options.path, `is not a field of the dataset ${options.dataset}`));
    return false;
  };
  for (const [dataset, overrides] of Object.entries(agreement.treatments)) {
    for (const [field, treatment] of Object.entries(overrides)) {
      const path = ['treatments', dataset, field];
      if (!checkField({ dataset, field, path })) continue;
      const refusal = await lookups.checkTreatment({ dataset, field, treatment, legalBasis: agreement.legalBasis });
      if (refusal !== null) problems.push(at(path, refusal));
    }
  }
  for (const [i, condition] of agreement.rowConditions.entries()) {
    checkField({ dataset: condition.dataset, field: condition.field, path: ['rowConditions', i, 'field'] });
    if (condition.condition === 'in_cohort') {
      const { cohortDataset } = condition;
      checkField({ dataset: cohortDataset, field: condition.cohortField, path: ['rowConditions', i, 'cohortField'] });
      if (condition.where !== undefined) {
        checkField({ dataset: cohortDataset, field: condition.where.field, path: ['rowConditions', i, 'where', 'field'] });
      }
    }
  }
  return problems;
}

/** A field the file should not have is reported at each such field, by its own name. */
function problemsOf(issue: z.core.$ZodIssue, at: (path: JsonPath, message: string) => AgreementProblem): AgreementProblem[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) =>
      at([...path, key], 'is not a field an agreement can have here (check its spelling and the fields this part takes)'),
    );
  }
  return [at(path, issue.message)];
}

const WORDS_FOR_TYPE: Readonly<Record<string, string>> = {
  string: 'must be text in "double quotes"',
  boolean: 'must be true or false',
  number: 'must be a number',
  int: 'must be a whole number',
  array: 'must be a list in [ ]',
  object: 'must be an object in { }',
  record: 'must be an object in { }',
};

/** Zod's default words are for programmers; these are for the data manager. Messages a schema sets itself win. */
function wordIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is missing';
      return WORDS_FOR_TYPE[issue.expected] ?? `must be ${issue.expected}`;
    case 'invalid_value': {
      const listed = issue.values.map((value) => JSON.stringify(value)).join(', ');
      return issue.input === undefined ? `is missing: it must be one of ${listed}` : `must be one of ${listed}`;
    }
    case 'invalid_union': {
      const { options, discriminator } = issue as { options?: unknown; discriminator?: unknown };
      if (!Array.isArray(options) || typeof discriminator !== 'string') return 'is not any of the forms this field takes';
      const listed = options.map((value) => JSON.stringify(value)).join(', ');
      const input: unknown = issue.input;
      const missing = typeof input === 'object' && input !== null && !(discriminator in input);
      return missing ? `is missing: it must be one of ${listed}` : `must be one of ${listed}`;
    }
    case 'invalid_key':
      return issue.issues[0]?.message ?? 'is not a name this object can have';
    case 'too_small':
      return issue.origin === 'array' ? `must list at least ${String(issue.minimum)}` : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' ? `must list at most ${String(issue.maximum)}` : `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}
