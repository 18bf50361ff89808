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
  // Workspace drives: the drive store's rules, WebDAV, uploads; they read the agreements, the kill switch and the records.
  ['platform-drives'],
  // The airlock: release requests, reviews, release and the ledger; it reads the kill switch, the agreements and the records.
  ['platform-airlock'],
  // The query service: checks a query, runs it on the project's minimised copy, audits it.
  ['platform-query'],
  // People (registering, enrolment, roles, status) above the kill switch, whose suspensions they read.
  ['platform-people'],
  // Incidents and the kill switch: decide and record suspensions and frozen egress, stop running work.
  ['platform-incidents'],
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

// `.catch(() => {})`, `.catch(() => undefined)` and `.then(…, () => {})`: a failure dropped without a word.
const silentMessage = 'Say why this failure is dropped: bestEffort(…) or settled(…) from src/common/detached.ts, or handle it.';
const silentHandlers = [
  "CallExpression[callee.property.name='catch'][arguments.0.body.type='BlockStatement'][arguments.0.body.body.length=0]",
  "CallExpression[callee.property.name='catch'][arguments.0.body.type='Identifier'][arguments.0.body.name='undefined']",
  "CallExpression[callee.property.name='then'][arguments.1.body.type='BlockStatement'][arguments.1.body.body.length=0]",
  "CallExpression[callee.property.name='then'][arguments.1.body.type='Identifier'][arguments.1.body.name='undefined']",
].map((selector) => ({ selector, message: silentMessage }));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'renderer/public/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.renderer.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
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
        layer('platform-drives', 'src/platform/drives'),
        layer('platform-airlock', 'src/platform/airlock'),
        layer('platform-query', 'src/platform/query'),
        layer('platform-incidents', 'src/platform/incidents'),
        layer('platform-people', 'src/platform/people'),
        layer('platform-authz', ['src/platform/authz', 'src/platform/minimisation', 'src/platform/agreements']),
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
      // Every promise is awaited, returned, or handed to a helper of src/common/detached.ts that says why it is not;
      // bestEffort and settled never reject, so they may stand alone.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { ignoreVoid: false, allowForKnownSafeCalls: [{ from: 'file', name: ['bestEffort', 'settled'], path: 'src/common/detached.ts' }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // A dropped failure says why by name (bestEffort, settled), never by an empty handler.
      'no-restricted-syntax': ['error', ...silentHandlers],
      // `async` without `await` is deliberate here: handler tables, adapters and fakes keep one Promise-returning
      // shape, and `async` turns a throw into a rejection, which dropping it would not.
      '@typescript-eslint/require-await': 'off',
      // `{}` is `unknown` once null and undefined are ruled out; printing it is as deliberate as printing unknown.
      // apache-arrow's DataType subclasses each define toString (Int32, Utf8, …); the base class does not declare it.
      '@typescript-eslint/no-base-to-string': [
        'error',
        { ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', '{}', 'DataType'] },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-params': ['error', 3],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests keep a fake's function to wrap it (`const refresh = idp.refresh`); the fakes are closures, not classes.
      '@typescript-eslint/unbound-method': 'off',
      // Vitest types its asymmetric matchers (expect.any, expect.stringContaining) as any, inside expected objects.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The WebDAV server library stays behind its thin adapter (src/platform/drives/webdav/): nothing else imports it or
    // the Express it runs on, so it can be replaced without touching the drive service.
    files: ['src/**/*.ts', 'main/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['src/platform/drives/webdav/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['nephele', 'nephele/*', 'express', 'express/*'], message: 'Only src/platform/drives/webdav/ imports nephele.' },
          ],
        },
      ],
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
            {
              group: ['electron', 'keytar', '@duckdb/*', 'fastify', 'kysely', 'react', 'react-dom', 'nephele', 'express'],
              message: 'src/common is pure domain code.',
            },
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
            {
              group: [
                'node:*',
                'fs',
                'path',
                'os',
                'http',
                'child_process',
                'electron',
                'keytar',
                '@duckdb/node-api',
                'fastify',
                'kysely',
                'nephele',
                'express',
              ],
              message: 'The renderer never imports Node code.',
            },
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
