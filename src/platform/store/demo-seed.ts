// Demo users, projects and memberships ship as data (resources/demo/*.json), read and cross-checked here
// before anything is written, so a broken seed file changes nothing.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_CLIPBOARD_CELL_LIMIT, IdSchema, RoleSchema, UserSchema } from '../../common/contract.ts';
import { LocalModeSchema } from '../../common/local-engine.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';
import type { CatalogueFile } from '../catalogue/catalogue-file.ts';

export const DEFAULT_DEMO_DIR = new URL('../../../resources/demo/', import.meta.url);

// Demo accounts carry a password (demo-only, listed in the README and printed by `npm start`); the store
// keeps only its scrypt hash.
const DemoUsersSchema = z.array(UserSchema.extend({ password: z.string().min(8).max(128) }).strict()).min(1);
const DemoProjectsSchema = z.array(
  z.object({
    id: IdSchema,
    name: z.string().min(1),
    purpose: z.string().min(1),
    datasetIds: z.array(IdSchema).min(1),
    /** Where analysts' local tables live (default 'disk'); 'memory' keeps them off this computer's disk. */
    localData: LocalModeSchema.default('disk'),
    clipboardCellLimit: z.number().int().min(0).max(100_000).default(DEFAULT_CLIPBOARD_CELL_LIMIT),
  }),
);

const DayText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const DemoTrainingSchema = z
  .object({
    requirements: z.record(RoleSchema, z.array(z.string().min(2))),
    records: z.array(
      z.object({ userId: IdSchema, course: z.string().min(2), completed: DayText, expires: DayText, evidence: z.string().min(3) }).strict(),
    ),
  })
  .strict();

export type DemoUser = z.infer<typeof DemoUsersSchema>[number];
export type DemoTraining = z.infer<typeof DemoTrainingSchema>;
export type DemoProject = z.infer<typeof DemoProjectsSchema>[number];

export interface DemoSeed {
  readonly users: readonly DemoUser[];
  readonly projects: readonly DemoProject[];
  /** The courses each role needs and the demo people's records of them. */
  readonly training: DemoTraining;
}

async function readJson<T>(url: URL, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(url, 'utf8'));
  } catch {
    throw new EnclaveError('unavailable', `The demo seed file ${url.pathname} is missing or is not valid JSON.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new EnclaveError('unavailable', `The demo seed file ${url.pathname} is not valid: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** Reads users.json and projects.json and checks every reference (members, datasets) resolves. */
export async function readDemoSeed(options: { demoDir: URL; catalogue: CatalogueFile }): Promise<DemoSeed> {
  const users = await readJson(new URL('users.json', options.demoDir), DemoUsersSchema);
  const projects = await readJson(new URL('projects.json', options.demoDir), DemoProjectsSchema);
  const training = await readJson(new URL('training.json', options.demoDir), DemoTrainingSchema);
  const userIds = new Set(users.map((user) => user.id));
  const datasetIds = new Set(options.catalogue.map((dataset) => dataset.id));
  const problems: string[] = [];
  if (userIds.size !== users.length) problems.push('a user id is listed twice');
  if (new Set(projects.map((project) => project.id)).size !== projects.length) problems.push('a project id is listed twice');
  for (const project of projects) {
    for (const datasetId of project.datasetIds) {
      if (!datasetIds.has(datasetId)) problems.push(`project ${project.id} names dataset ${datasetId}, which the catalogue lacks`);
    }
  }
  for (const record of training.records) {
    if (!userIds.has(record.userId)) problems.push(`training.json names unknown person ${record.userId}`);
  }
  if (problems.length > 0) throw new EnclaveError('unavailable', `The demo seed is inconsistent: ${problems.join('; ')}.`);
  return { users, projects, training };
}
