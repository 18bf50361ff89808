// Every direct dependency in package.json is used: imported by a source, test, script or config file, or named
// below with the reason it is there without an import. An unused dependency is attack surface and install time.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

/** Dependencies nothing imports, and why they stay. README's "Dependency notes" says the same. */
const USED_WITHOUT_IMPORT: Record<string, string> = {
  node: 'the Node 24 runtime that npm run, npx and the tests run on',
  typescript: 'tsc, the typecheck of both worlds',
  electron: 'the desktop shell (its binary is fetched by scripts/fetch-electron.ts; main/ imports it as a type and at run time)',
  '@types/node': 'Node types for the Node world',
  '@types/react': 'React types for the renderer',
  '@types/react-dom': 'React DOM types for the renderer',
  '@types/oidc-provider': 'types for the embedded identity provider',
  '@types/pg': "types for pg, the PostgreSQL metadata store's driver",
  '@types/express': "Express's types, which nephele's own types import (the WebDAV adapter implements them)",
  'axe-core': 'the accessibility check: test/e2e/support/axe.ts injects its script file (node_modules/axe-core/axe.min.js) into pages',
  prettier: 'the one formatter, checked by npm test (npm run format:check)',
  vite: "electron-vite's build engine (a peer dependency of electron-vite and @vitejs/plugin-react)",
  // Glide Data Grid declares these as peer dependencies and imports them from its own bundle.
  lodash: 'a peer dependency of @glideapps/glide-data-grid, which imports it',
  marked: 'a peer dependency of @glideapps/glide-data-grid (version 4, as it asks)',
  'react-responsive-carousel': 'a peer dependency of @glideapps/glide-data-grid',
};

const SOURCE_DIRS = ['src', 'main', 'preload', 'renderer', 'test', 'scripts'];
const ROOT_FILES = ['electron.vite.config.ts', 'eslint.config.ts', 'vitest.config.ts'];

function sourceFiles(): string[] {
  const files = ROOT_FILES.map((file) => path.join(root, file));
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && /\.(ts|tsx|html)$/.test(entry.name)) files.push(path.join(entry.parentPath, entry.name));
    }
  }
  return files;
}

/** Package names a file imports, requires or resolves ('pkg', '@scope/pkg', from 'pkg/sub/path'). */
function importedPackages(text: string): Set<string> {
  const names = new Set<string>();
  const pattern = /(?:from\s+|import\s*\(\s*|import\s+|require(?:\.resolve)?\(\s*)['"]([^'".][^'"]*)['"]/g;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[1];
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return names;
}

describe('package.json', () => {
  it('lists only dependencies that are used, or named here with a reason', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const declared = [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies].flatMap((group) => Object.keys(group ?? {}));
    const used = new Set<string>();
    for (const file of sourceFiles()) for (const name of importedPackages(readFileSync(file, 'utf8'))) used.add(name);
    const unused = declared.filter((name) => !used.has(name) && !Object.hasOwn(USED_WITHOUT_IMPORT, name));
    expect(unused).toEqual([]);
  });

  it('names no exception that is no longer a dependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const declared = new Set(
      [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies].flatMap((group) => Object.keys(group ?? {})),
    );
    expect(Object.keys(USED_WITHOUT_IMPORT).filter((name) => !declared.has(name))).toEqual([]);
  });
});
