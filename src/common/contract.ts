// The renderer↔workstation API, declared once. Every transport (in-process, Electron IPC, HTTP) serves this
// table; the receiving side parses every payload with these schemas before a handler sees it.
import { z } from 'zod';

export const IdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, "-" or "_"');

export const RoleSchema = z.enum(['analyst', 'output_checker', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

export const FieldTagSchema = z.enum(['direct_identifier', 'quasi_identifier', 'sensitive', 'clinical', 'reference']);
export type FieldTag = z.infer<typeof FieldTagSchema>;

export const UserSchema = z.object({
  id: IdSchema,
  displayName: z.string(),
  role: RoleSchema,
});
export type User = z.infer<typeof UserSchema>;

export const SessionSchema = z.object({
  /** 'demo': the embedded platform admits a fixed demo analyst (no sign-in yet). */
  mode: z.enum(['demo']),
  user: UserSchema,
  platform: z.object({ url: z.string(), name: z.string() }),
});
export type Session = z.infer<typeof SessionSchema>;

export const ProjectSchema = z.object({
  id: IdSchema,
  name: z.string(),
  purpose: z.string(),
  datasetIds: z.array(IdSchema),
});
export type Project = z.infer<typeof ProjectSchema>;

export const FieldSchema = z.object({
  name: z.string(),
  type: z.string(),
  description: z.string(),
  tags: z.array(FieldTagSchema),
  /** Whether a sample or query of this project can see the field at all. */
  available: z.boolean(),
});
export type Field = z.infer<typeof FieldSchema>;

export const DatasetSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string(),
  rowCount: z.number().int().nonnegative(),
  fields: z.array(FieldSchema),
});
export type Dataset = z.infer<typeof DatasetSchema>;

export const CatalogueSchema = z.object({
  projectId: IdSchema,
  datasets: z.array(DatasetSchema),
});
export type Catalogue = z.infer<typeof CatalogueSchema>;

export const SAMPLE_ROW_LIMIT = 1_000_000;

/** Arrow IPC stream bytes. Binary outputs travel as raw bytes on every transport, never as JSON. */
export const ArrowBytesSchema = z.instanceof(Uint8Array);

const NoInput = z.object({}).strict();

export const methods = {
  'session.get': { input: NoInput, output: SessionSchema },
  'projects.list': { input: NoInput, output: z.array(ProjectSchema) },
  'catalogue.get': { input: z.object({ projectId: IdSchema }).strict(), output: CatalogueSchema },
  'dataset.sample': {
    input: z
      .object({
        projectId: IdSchema,
        datasetId: IdSchema,
        limit: z.number().int().min(1).max(SAMPLE_ROW_LIMIT),
      })
      .strict(),
    output: ArrowBytesSchema,
    binary: true,
  },
} as const;

export type MethodName = keyof typeof methods;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<(typeof methods)[M]['output']>;

export const events = {
  /** The workstation's view of the platform it talks to. */
  'platform.status': z.object({
    state: z.enum(['connecting', 'ready', 'unreachable']),
    message: z.string(),
  }),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export function isBinaryMethod(name: MethodName): boolean {
  return 'binary' in methods[name] && methods[name].binary === true;
}
