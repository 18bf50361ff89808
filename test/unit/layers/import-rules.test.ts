// The folder import rules of DESIGN.md are enforced by lint, and the renderer's type world has no Node types.
import { ESLint } from 'eslint';
import ts from 'typescript';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root, flags: ['unstable_native_nodejs_ts_config'] });

async function ruleIdsFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer rules (lint)', () => {
  const cases: Array<{ file: string; code: string; rule: string }> = [
    // The targets must exist: the rule resolves each import to a file before it judges it.
    { file: 'src/platform/x.ts', code: "import { appDataDir } from '../cli/enclave.ts';\nexport const y = appDataDir;\n", rule: 'boundaries/dependencies' },
    { file: 'src/common/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n", rule: 'no-restricted-imports' },
    { file: 'src/common/x.ts', code: "import { main } from '../cli/enclave.ts';\nexport const y = main;\n", rule: 'boundaries/dependencies' },
    { file: 'renderer/src/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n", rule: 'no-restricted-imports' },
    { file: 'renderer/src/x.ts', code: "import { main } from '../../src/cli/enclave.ts';\nexport const y = main;\n", rule: 'boundaries/dependencies' },
    { file: 'preload/x.ts', code: "import { methods } from '../src/common/contract.ts';\nexport const y = methods;\n", rule: 'no-restricted-imports' },
    { file: 'main/x.ts', code: "import { main } from '../src/cli/enclave.ts';\nexport const y = main;\n", rule: 'boundaries/dependencies' },
  ];

  it.each(cases)('refuses $file importing across its layer ($rule)', async ({ file, code, rule }) => {
    expect(await ruleIdsFor(file, code)).toContain(rule);
  });

  it('allows an import the folder table permits', async () => {
    const ids = await ruleIdsFor('src/web/x.ts', "import { dispatch } from '../common/dispatch.ts';\nexport const y = dispatch;\n");
    expect(ids).not.toContain('boundaries/dependencies');
  });
});

describe('renderer type fence (DOM-only tsconfig)', () => {
  it('does not know Node globals or modules', () => {
    const config = ts.readConfigFile(join(root, 'tsconfig.renderer.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const fileName = join(root, 'renderer', 'src', '__fence_probe__.ts');
    const source = "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\nexport const b = process.env;\n";
    const host = ts.createCompilerHost(parsed.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => (name === fileName ? source : readFile(name));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === fileName || fileExists(name);
    const program = ts.createProgram({ rootNames: [fileName], options: parsed.options, host });
    const messages = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(fileName))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages.some((m) => m.includes("'node:fs'"))).toBe(true);
    expect(messages.some((m) => m.includes("'process'"))).toBe(true);
  });
});
