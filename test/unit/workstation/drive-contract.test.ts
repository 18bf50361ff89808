// The drive methods' inputs at the contract's edge (issue 17): a path or a name the drive's policy refuses (climbing
// out with "..", absolute, a backslash, a NUL, a device name, a twin-making control character), a table name that is
// not one, an over-long chunk or a chunk that is not base64, never reaches a handler: the contract refuses it as
// invalid input naming the field, whichever transport carried it (every transport calls this same dispatch).
import { describe, expect, it } from 'vitest';
import { bodyLimitOf, methods } from '../../../src/common/contract.ts';
import { METHOD_NAMES } from '../../../src/common/contract-names.ts';
import { dispatch, type Handlers } from '../../../src/common/dispatch.ts';

const PROJECT = 'covid-outcomes';
const SAVE = { projectId: PROJECT, source: { table: 'cases' }, format: 'csv', folder: 'results', name: 'cases.csv', replace: false };

const REFUSED: Array<{ method: string; input: Record<string, unknown>; field: string }> = [
  { method: 'drive.folder', input: { projectId: PROJECT, path: '../other-project' }, field: 'path' },
  { method: 'drive.folder', input: { projectId: PROJECT, path: 'a/../../b' }, field: 'path' },
  { method: 'drive.folder', input: { projectId: '../admin', path: '' }, field: 'projectId' },
  { method: 'drive.versions', input: { projectId: PROJECT, path: '' }, field: 'path' },
  { method: 'drive.mkdir', input: { projectId: PROJECT, path: '/etc' }, field: 'path' },
  { method: 'drive.move', input: { projectId: PROJECT, from: 'a.csv', to: 'b\\c.csv', ifMatch: null }, field: 'to' },
  { method: 'drive.move', input: { projectId: PROJECT, from: 'a.csv', to: 'b.csv', ifMatch: '"not-an-etag"' }, field: 'ifMatch' },
  { method: 'drive.delete', input: { projectId: PROJECT, path: 'a\u0000.csv', ifMatch: null }, field: 'path' },
  { method: 'drive.saveResult', input: { ...SAVE, name: '../../.bashrc' }, field: 'name' },
  { method: 'drive.saveResult', input: { ...SAVE, name: 'CON.csv' }, field: 'name' },
  { method: 'drive.saveResult', input: { ...SAVE, folder: '../outside' }, field: 'folder' },
  { method: 'drive.saveResult', input: { ...SAVE, format: 'xlsx' }, field: 'format' },
  { method: 'drive.saveResult', input: { ...SAVE, source: { table: 'x; DROP TABLE y' } }, field: 'source' },
  { method: 'drive.saveResult', input: { ...SAVE, path: '/tmp/elsewhere.csv' }, field: 'path' },
  { method: 'drive.openFile', input: { projectId: PROJECT, path: '/etc/passwd', table: 'passwd', replace: false }, field: 'path' },
  { method: 'drive.openFile', input: { projectId: PROJECT, path: 'a.csv', table: 'Bad Name', replace: false }, field: 'table' },
  { method: 'drive.download', input: { projectId: PROJECT, path: 'C:/Windows/x.csv' }, field: 'path' },
  { method: 'drive.restoreTrash', input: { projectId: PROJECT, trashId: '../1' }, field: 'trashId' },
  { method: 'drive.revokeAppPassword', input: { projectId: PROJECT, id: 'app-../x' }, field: 'id' },
  { method: 'drive.createAppPassword', input: { projectId: PROJECT, label: '   ' }, field: 'label' },
  { method: 'drive.resolveDeletes', input: { projectId: PROJECT, answer: 'ignore' }, field: 'answer' },
  {
    method: 'drive.uploadChunk',
    input: { projectId: PROJECT, uploadId: `up-${'0'.repeat(24)}`, offset: 0, total: 3, data: 'not base64!' },
    field: 'data',
  },
  {
    method: 'drive.uploadStart',
    input: { projectId: PROJECT, path: 'a.csv', size: 3, sha256: 'x', condition: { ifAbsent: true } },
    field: 'sha256',
  },
];

describe('the drive methods at the contract’s edge', () => {
  const called: string[] = [];
  const handlers = new Proxy({} as Handlers, {
    get: (_target, name: string) => async () => {
      called.push(name);
      return null;
    },
  });

  for (const { method, input, field } of REFUSED) {
    it(`${method} refuses a bad ${field} before any handler runs`, async () => {
      const outcome = await dispatch(handlers, method, input);

      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error.code).toBe('invalid_input');
      expect(outcome.error.message).toContain(field);
      expect(called).toEqual([]);
    });
  }

  it('declares every drive method for the preload, and a body limit that fits a 4 MiB chunk in base64', () => {
    const drive = Object.keys(methods).filter((name) => name.startsWith('drive.'));
    expect(METHOD_NAMES.filter((name) => name.startsWith('drive.'))).toEqual(drive);
    expect(bodyLimitOf('drive.uploadChunk')).toBeGreaterThan(Math.ceil((4 * 1024 * 1024) / 3) * 4);
    expect(bodyLimitOf('drive.saveResult')).toBe(64 * 1024);
  });
});
