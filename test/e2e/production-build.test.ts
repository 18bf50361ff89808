// What either shell serves is the app alone: the benchmark page, with its hook that runs any SQL in the engine, is
// built only by `npm run bench` (into out/bench-renderer), never into out/renderer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertRendererBuilt, RENDERER_DIR } from './support/paths.ts';

describe('the production renderer build', () => {
  it('holds no benchmark page and no bench hook', () => {
    assertRendererBuilt();
    const files = readdirSync(RENDERER_DIR, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(files.map((entry) => entry.name)).not.toContain('bench.html');
    const withHook = files
      .filter((entry) => /\.(js|html)$/.test(entry.name))
      .filter((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8').includes('enclaveBench'))
      .map((entry) => entry.name);
    expect(withHook).toEqual([]);
  });
});
