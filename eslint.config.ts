// Lint, including the folder import rules of DESIGN.md ("Folders"): which layer may import which.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import type { ESLint } from 'eslint';
import boundaries from 'eslint-plugin-boundaries';

const layer = (type: string, pattern: string | string[]) => ({ type, pattern });
/** A layer: an element type, or a selector that also names a file category (for the files directly in src/platform). */
type Layer = string | { element: { type: string }; file: { categories: string } };
const selectorOf = (target: Layer) => (typeof target === 'string' ? { element: { type: target } } : target);
const allow = (from: Layer, to: Layer[]) => ({ from: selectorOf(from), allow: { to: to.map(selectorOf) } });

// The platform's inner layers, top to bottom: each may import itself and the layers below it, never above. The
// files directly in src/platform are the composition root (server.ts, startup-checks.ts, records.ts: they wire
// the layers together), except the two support modules named in 'boundaries/files'. synth/ stands apart.
const platformRoot: Layer = { element: { type: 'platform' }, file: { categories: 'platform-root' } };
const platformSupportFile: Layer = { element: { type: 'platform' }, file: { categories: 'platform-support' } };
const platformStack: Layer[][] = [
  [platformRoot],
  ['platform-api'],
  ['platform-authz'],
  // identity may use the audit log, not the reverse.
  ['platform-identity'],
  ['platform-audit'],
  ['platform-store'],
  ['platform-engine'],
  // Model and support: the catalogue file, private files, the data folder's privacy check.
  ['platform-support', platformSupportFile],
];
const platformPolicies = platformStack.flatMap((layers, index) =>
  layers.map((from) => allow(from, ['common', ...platformStack.slice(index).flat()])),
);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'renderer/public/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    // The plugin's own typings predate ESLint 10's Plugin type.
    plugins: { boundaries: boundaries as unknown as ESLint.Plugin },
    settings: {
      'boundaries/include': ['src/**', 'main/**', 'preload/**', 'renderer/**'],
      'boundaries/elements': [
        layer('common', 'src/common'),
        layer('workstation', 'src/workstation'),
        layer('web', 'src/web'),
        // Before 'platform': with single matching, the first pattern that matches a file names its layer.
        layer('platform-api', ['src/platform/api', 'src/platform/http']),
        layer('platform-authz', ['src/platform/authz', 'src/platform/minimisation']),
        layer('platform-identity', 'src/platform/identity'),
        layer('platform-audit', 'src/platform/audit'),
        layer('platform-store', 'src/platform/store'),
        layer('platform-engine', 'src/platform/engine'),
        layer('platform-support', 'src/platform/catalogue'),
        layer('platform-synth', 'src/platform/synth'),
        layer('platform', 'src/platform'),
        layer('cli', 'src/cli'),
        layer('main', 'main'),
        layer('preload', 'preload'),
        layer('renderer', 'renderer'),
      ],
      // A file belongs to the first element (and file category) that matches it, not to every one.
      'boundaries/elements-single-match': true,
      // Element patterns name folders; the files directly in src/platform are told apart by category.
      'boundaries/files': [
        { category: 'platform-support', pattern: 'src/platform/{secret-file,data-dir-privacy}.ts' },
        { category: 'platform-root', pattern: 'src/platform/*.ts' },
      ],
      'boundaries/files-single-match': true,
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            allow('common', ['common']),
            allow('workstation', ['common', 'workstation']),
            allow('web', ['common', 'workstation', 'web']),
            ...platformPolicies,
            // synth is only for the CLI's `platform init`: it imports src/common and itself, and no platform layer imports it.
            allow('platform-synth', ['common', 'platform-synth']),
            // The CLI may import every platform layer ('platform*').
            allow('cli', ['common', 'workstation', 'platform*', 'cli']),
            allow('main', ['common', 'workstation', 'main']),
            // The preload may know the contract's names and nothing else of ours.
            allow('preload', ['common', 'preload']),
            allow('renderer', ['common', 'renderer']),
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-params': ['error', 3],
    },
  },
  {
    // src/common is pure: no Node built-ins, no DOM-only or Electron modules, no I/O packages.
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'http', 'https', 'child_process', 'net'], message: 'src/common has no I/O.' },
            { group: ['electron', 'keytar', '@duckdb/*', 'fastify', 'kysely', 'react', 'react-dom'], message: 'src/common is pure domain code.' },
          ],
        },
      ],
    },
  },
  {
    // The renderer never imports Node code (the DOM-only tsconfig enforces the types; this names the modules).
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'http', 'child_process', 'electron', 'keytar', '@duckdb/node-api', 'fastify', 'kysely'], message: 'The renderer never imports Node code.' },
          ],
        },
      ],
    },
  },
  {
    // The preload exposes invoke/listen only: never raw ipcRenderer, never shell/openExternal.
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['zod', '**/contract.ts', '**/dispatch.ts'], message: 'The preload imports only the contract names.' }] },
      ],
    },
  },
);
