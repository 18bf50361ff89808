// The path guard both shells share (src/workstation/serving/renderer-files.ts), checked for every input, not only examples.
import { resolve, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, safeRelativePath } from '../../../src/workstation/serving/renderer-files.ts';

describe('the renderer path guard', () => {
  it('maps / to index.html and keeps ordinary asset paths', () => {
    expect(safeRelativePath('/')).toBe('index.html');
    expect(safeRelativePath('/assets/index-Ab12.js')).toBe('assets/index-Ab12.js');
    expect(safeRelativePath('/assets/duckdb-eh.wasm?v=1')).toBe('assets/duckdb-eh.wasm');
  });

  it('never yields a path that leaves the folder, whatever the request path (property)', () => {
    const root = resolve('/srv/enclave/renderer');
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', '%2e%2e', '%2E%2e', '%252e%252e', '..%2f', '%5c..', '%00', '\\..', 'C:', 'assets', 'index.html'),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
        const relative = safeRelativePath(`/${segments.join('/')}`);
        if (relative === null) return true;
        const full = resolve(root, relative);
        return full.startsWith(root + sep) && !relative.split('/').includes('..');
      }),
      { numRuns: 5000 },
    );
  });

  it('serves wasm as application/wasm and unknown types as opaque bytes', () => {
    expect(contentTypeFor('a/duckdb-eh.wasm')).toBe('application/wasm');
    expect(contentTypeFor('a/x.worker.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a/x.exe')).toBe('application/octet-stream');
  });
});
