// The core's airlock methods call their platform route (same id) as the signed-in user, with the method's input split
// back into the route's path parameters and body exactly; the platform's answer comes back as it is. The export asks the
// platform for egress, the released file and the project's name, in that order, then hands the file to the shell.
// Every SheetJS import in the workstation is the writer's (the readers have had advisories).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MethodInput } from '../../../src/common/contract.ts';
import { METHOD_NAMES } from '../../../src/common/contract-names.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import type { ApiRouteId } from '../../../src/common/platform-api.ts';
import { createAirlockHandlers, type AirlockMethod } from '../../../src/workstation/airlock/handlers.ts';
import type { CallContext } from '../../../src/workstation/platform-client.ts';
import { PROJECT_ID, PROJECT_NAME, releasedFile, TABLE, TABLE_FILE_ID } from './airlock-fixtures.ts';

const REQUEST_ID = 'req-0123456789abcdef0123';
const FILE_ID = 'file-0123456789abcdef0123';
const CONTEXT = { description: 'Admissions by region.', population: 'Everyone admitted in 2021.', relationship: 'None released before.' };
const DOCUMENT: OutputDocument = {
  kind: 'frequency',
  title: 'Admissions by region',
  source: { sql: 'SELECT 1', engine: 'native' },
  table: { dimensions: ['region'], cells: [{ key: { region: 'London' }, count: 25 }] },
  mitigation: { kind: 'none', roundingBase: null },
};
const SUPPORTING = { name: 'query.sql', mediaType: 'text/x-sql', text: 'SELECT 1' } as const;

interface Sent {
  route: ApiRouteId;
  input: unknown;
  token: string | undefined;
}

function wired() {
  const sent: Sent[] = [];
  const answers = new Map<string, unknown>();
  const client = {
    call: async (route: ApiRouteId, input: unknown, context?: CallContext) => {
      sent.push({ route, input, token: context?.token });
      return answers.has(route) ? answers.get(route) : { answered: route };
    },
    projects: async (context?: CallContext) => {
      sent.push({ route: 'projects.list', input: {}, token: context?.token });
      return [{ id: PROJECT_ID, name: PROJECT_NAME, purpose: '', datasetIds: [], localData: 'disk' as const, clipboardCellLimit: 100 }];
    },
  };
  const saved: unknown[] = [];
  const handlers = createAirlockHandlers({
    client: client as never,
    asUser: (call) => call({ token: 'token-of-ada' }),
    saveExport: async (file) => {
      saved.push(file);
      return { kind: 'cancelled' };
    },
  });
  return { handlers, sent, answers, saved };
}

/** Each platform route method: an input, and the route's parts it must become. */
const CASES: { [M in Exclude<AirlockMethod, 'airlock.export'>]: { input: MethodInput<M>; parts: unknown } } = {
  'airlock.rules': { input: { projectId: PROJECT_ID }, parts: { params: { projectId: PROJECT_ID } } },
  'airlock.check': {
    input: { projectId: PROJECT_ID, document: DOCUMENT },
    parts: { params: { projectId: PROJECT_ID }, body: { document: DOCUMENT } },
  },
  'airlock.requests': { input: { projectId: PROJECT_ID }, parts: { params: { projectId: PROJECT_ID } } },
  'airlock.create': {
    input: { projectId: PROJECT_ID, title: 'Winter report', context: CONTEXT },
    parts: { params: { projectId: PROJECT_ID }, body: { title: 'Winter report', context: CONTEXT } },
  },
  'airlock.request': { input: { requestId: REQUEST_ID }, parts: { params: { requestId: REQUEST_ID } } },
  'airlock.context': {
    input: { requestId: REQUEST_ID, expectedVersion: 3, title: 'Winter report', context: CONTEXT },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 3, title: 'Winter report', context: CONTEXT } },
  },
  'airlock.putFile': {
    input: { requestId: REQUEST_ID, expectedVersion: 2, name: 'by-region', output: DOCUMENT, exception: null },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 2, name: 'by-region', output: DOCUMENT, exception: null } },
  },
  'airlock.withdrawFile': {
    input: { requestId: REQUEST_ID, fileId: FILE_ID, expectedVersion: 4 },
    parts: { params: { requestId: REQUEST_ID, fileId: FILE_ID }, body: { expectedVersion: 4 } },
  },
  'airlock.file': { input: { requestId: REQUEST_ID, fileId: FILE_ID }, parts: { params: { requestId: REQUEST_ID, fileId: FILE_ID } } },
  'airlock.submit': {
    input: { requestId: REQUEST_ID, expectedVersion: 5 },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 5 } },
  },
  'airlock.withdraw': {
    input: { requestId: REQUEST_ID, expectedVersion: 5, reason: 'Not needed any more.' },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 5, reason: 'Not needed any more.' } },
  },
  'airlock.queue': { input: {}, parts: {} },
  'airlock.vote': {
    input: { requestId: REQUEST_ID, fileId: FILE_ID, expectedVersion: 6, vote: 'request_changes', disagreement: null },
    parts: {
      params: { requestId: REQUEST_ID, fileId: FILE_ID },
      body: { expectedVersion: 6, vote: 'request_changes', disagreement: null },
    },
  },
  'airlock.comment': {
    input: { requestId: REQUEST_ID, fileId: FILE_ID, cell: { region: 'London' }, visibility: 'private', text: 'Small cell here.' },
    parts: {
      params: { requestId: REQUEST_ID },
      body: { fileId: FILE_ID, cell: { region: 'London' }, visibility: 'private', text: 'Small cell here.' },
    },
  },
  'airlock.completeReview': {
    input: { requestId: REQUEST_ID, expectedVersion: 7 },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 7 } },
  },
  'airlock.return': {
    input: { requestId: REQUEST_ID, expectedVersion: 8 },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 8 } },
  },
  'airlock.reject': {
    input: { requestId: REQUEST_ID, expectedVersion: 8, reason: 'Disclosive.' },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 8, reason: 'Disclosive.' } },
  },
  'airlock.release': {
    input: { requestId: REQUEST_ID, expectedVersion: 9 },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 9 } },
  },
  'airlock.revoke': {
    input: { requestId: REQUEST_ID, expectedVersion: 10, reason: 'Found a risk.' },
    parts: { params: { requestId: REQUEST_ID }, body: { expectedVersion: 10, reason: 'Found a risk.' } },
  },
  'airlock.released': { input: { projectId: PROJECT_ID }, parts: { params: { projectId: PROJECT_ID } } },
  'airlock.releasedFile': {
    input: { projectId: PROJECT_ID, fileId: FILE_ID },
    parts: { params: { projectId: PROJECT_ID, fileId: FILE_ID } },
  },
  'airlock.package': { input: { requestId: REQUEST_ID }, parts: { params: { requestId: REQUEST_ID } } },
  'airlock.notifications': { input: {}, parts: {} },
  'airlock.readNotifications': { input: { upTo: 12 }, parts: { body: { upTo: 12 } } },
};

describe('the airlock methods', () => {
  it('cover every airlock method of the contract', () => {
    expect([...Object.keys(CASES), 'airlock.export'].sort()).toEqual(METHOD_NAMES.filter((name) => name.startsWith('airlock.')).sort());
  });

  for (const [method, { input, parts }] of Object.entries(CASES)) {
    it(`${method} calls its route as the signed-in user with the path parameters and body split out`, async () => {
      const { handlers, sent } = wired();

      const answer = await (handlers[method as AirlockMethod] as (input: unknown) => Promise<unknown>)(input);

      expect(sent).toEqual([{ route: method, input: parts, token: 'token-of-ada' }]);
      expect(answer).toEqual({ answered: method });
    });
  }

  it('airlock.putFile sends a supporting file as one', async () => {
    const { handlers, sent } = wired();

    await handlers['airlock.putFile']({ requestId: REQUEST_ID, expectedVersion: 2, name: 'query.sql', supporting: SUPPORTING });

    expect(sent[0]?.input).toEqual({
      params: { requestId: REQUEST_ID },
      body: { expectedVersion: 2, name: 'query.sql', supporting: SUPPORTING },
    });
  });

  it('airlock.export asks for egress, then the released file, then the project, and hands the checked file to the shell', async () => {
    const { handlers, sent, answers, saved } = wired();
    answers.set('project.egress', { frozen: false, message: null });
    answers.set('airlock.releasedFile', releasedFile(TABLE, TABLE_FILE_ID));

    const outcome = await handlers['airlock.export']({ projectId: PROJECT_ID, fileId: TABLE_FILE_ID, format: 'csv' });

    expect(outcome).toEqual({ kind: 'cancelled' });
    expect(sent).toEqual([
      { route: 'project.egress', input: { params: { projectId: PROJECT_ID } }, token: 'token-of-ada' },
      { route: 'airlock.releasedFile', input: { params: { projectId: PROJECT_ID, fileId: TABLE_FILE_ID } }, token: 'token-of-ada' },
      { route: 'projects.list', input: {}, token: 'token-of-ada' },
    ]);
    expect(saved).toEqual([expect.objectContaining({ projectId: PROJECT_ID, fileId: TABLE_FILE_ID, format: 'csv' })]);
  });
});

describe('SheetJS in the workstation', () => {
  it('is imported by the workbook writer alone, and only its writer and sheet builders', async () => {
    const roots = ['src', 'main', 'renderer/src', 'preload'];
    const importers: string[] = [];
    for (const root of roots) {
      for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(ts|tsx|mts|js)$/.test(entry.name)) continue;
        const path = join(entry.parentPath, entry.name);
        const text = await readFile(path, 'utf8');
        for (const match of text.matchAll(
          /import\s+([^;]*?)\s+from\s+['"]xlsx(?:\/[^'"]*)?['"]|require\(\s*['"]xlsx|import\(\s*['"]xlsx/g,
        )) {
          importers.push(`${relative('.', path)}: ${match[1] ?? match[0]}`);
        }
      }
    }

    expect(importers).toEqual(['src/workstation/airlock/xlsx-workbook.ts: { utils, write }']);
  });
});
