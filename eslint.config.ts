// Lint, including the folder import rules of DESIGN.md ("Folders"): which layer may import which.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import type { ESLint } from 'eslint';
import boundaries from 'eslint-plugin-boundaries';

const layer = (type: string, pattern: string) => ({ type, pattern });
const allow = (from: string, to: string[]) => ({
  from: { element: { type: from } },
  allow: { to: { element: { types: { anyOf: to } } } },
});

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
        layer('platform', 'src/platform'),
        layer('cli', 'src/cli'),
        layer('main', 'main'),
        layer('preload', 'preload'),
        layer('renderer', 'renderer'),
      ],
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
            allow('platform', ['common', 'platform']),
            allow('cli', ['common', 'workstation', 'platform', 'cli']),
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
