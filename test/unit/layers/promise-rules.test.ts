// Lint keeps the habit of issue 13 §4: a promise is awaited, returned, or handed to a helper of
// src/common/detached.ts that says why it is not; a dropped failure is never an empty handler.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
// The type-aware rules need a file a program holds: the code stands in for this one (in this linter only).
const STAND_IN = join(root, 'src/workstation/platform-status.ts');

/**
 * A program of the stand-in and what it imports, and nothing else: linting against the whole tree's program made
 * the answer depend on every other file of the tree at that moment (CI once saw the imports typed as `any`).
 */
function programFor(code: string): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.node.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.node.json cannot be read');
  const host = ts.createCompilerHost(config.options, true);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === STAND_IN ? code : readFile(name));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) =>
    name === STAND_IN ? ts.createSourceFile(name, code, version, true) : getSourceFile(name, version, onError);
  return ts.createProgram({ rootNames: [STAND_IN], options: config.options, host });
}

async function ruleIdsFor(body: string): Promise<string[]> {
  const code = [
    "import { bestEffort, handledElsewhere, inBackground, settled } from '../common/detached.ts';",
    'export const helpers = { bestEffort, handledElsewhere, inBackground, settled };',
    'export const log = (err: unknown): void => console.error(err);',
    'export function f(p: Promise<void>): void {',
    body,
    '}',
    '',
  ].join('\n');
  const program = programFor(code);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(problems, 'the stand-in compiles, so the rules see real types').toEqual([]);
  const eslint = new ESLint({
    cwd: root,
    flags: ['unstable_native_nodejs_ts_config'],
    overrideConfig: { languageOptions: { parserOptions: { project: null, programs: [program] } } },
  });
  const [result] = await eslint.lintText(code, { filePath: STAND_IN });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('promises not awaited (lint)', () => {
  it.each([
    { name: 'a bare promise', body: '  p.then(() => 1);', rule: '@typescript-eslint/no-floating-promises' },
    { name: 'a bare `void promise`', body: '  void p;', rule: '@typescript-eslint/no-floating-promises' },
    { name: 'an empty .catch(() => {})', body: '  p.catch(() => {});', rule: 'no-restricted-syntax' },
    { name: 'a .catch(() => undefined)', body: '  p.catch(() => undefined);', rule: 'no-restricted-syntax' },
    { name: 'an empty rejection handler in .then', body: '  p.then(log, () => {});', rule: 'no-restricted-syntax' },
  ])('refuses $name', { timeout: 60_000 }, async ({ body, rule }) => {
    expect(await ruleIdsFor(body)).toContain(rule);
  });

  it('accepts each named helper', { timeout: 60_000 }, async () => {
    const body = ['  bestEffort(p);', '  settled(p);', '  inBackground(p, log);', '  handledElsewhere(p);'].join('\n');
    expect(await ruleIdsFor(body)).toEqual([]);
  });
});
