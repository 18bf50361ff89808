// The folder import rules of DESIGN.md are enforced by lint, and the renderer's type world has no Node types.
import { ESLint } from 'eslint';
import ts from 'typescript';
import tseslint from 'typescript-eslint';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
// The files linted here do not exist, so no tsconfig holds them: the import rules need no types, and the
// type-aware rules are switched off for them (./promise-rules.test.ts covers those).
const eslint = new ESLint({ cwd: root, flags: ['unstable_native_nodejs_ts_config'], overrideConfig: tseslint.configs.disableTypeChecked });

async function ruleIdsFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer rules (lint)', () => {
  const cases: Array<{ file: string; code: string; rule: string }> = [
    // The targets must exist: the rule resolves each import to a file before it judges it.
    {
      file: 'src/platform/x.ts',
      code: "import { appDataDir } from '../cli/enclave.ts';\nexport const y = appDataDir;\n",
      rule: 'boundaries/dependencies',
    },
    {
      file: 'src/common/x.ts',
      code: "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n",
      rule: 'no-restricted-imports',
    },
    {
      file: 'src/common/x.ts',
      code: "import { main } from '../cli/enclave.ts';\nexport const y = main;\n",
      rule: 'boundaries/dependencies',
    },
    {
      file: 'renderer/src/x.ts',
      code: "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n",
      rule: 'no-restricted-imports',
    },
    {
      file: 'renderer/src/x.ts',
      code: "import { main } from '../../src/cli/enclave.ts';\nexport const y = main;\n",
      rule: 'boundaries/dependencies',
    },
    {
      file: 'preload/x.ts',
      code: "import { methods } from '../src/common/contract.ts';\nexport const y = methods;\n",
      rule: 'no-restricted-imports',
    },
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

describe('platform inner layers (lint)', () => {
  // api → authz → identity → audit → store → engine, above model/support; synth apart; the files directly in
  // src/platform (server.ts, startup-checks.ts, records.ts) are the composition root. Targets must exist.
  const refused: Array<{ name: string; file: string; code: string }> = [
    {
      name: 'the store importing the audit log',
      file: 'src/platform/store/x.ts',
      code: "import { openAuditLog } from '../audit/audit-log.ts';\nexport const y = openAuditLog;\n",
    },
    {
      name: 'the store importing an audit type (type-only imports count)',
      file: 'src/platform/store/x.ts',
      code: "import type { AuditLog } from '../audit/audit-log.ts';\nexport type Y = AuditLog;\n",
    },
    {
      name: 'the store importing identity',
      file: 'src/platform/store/x.ts',
      code: "import { hashPassword } from '../identity/passwords.ts';\nexport const y = hashPassword;\n",
    },
    {
      name: 'the engine importing the store',
      file: 'src/platform/engine/x.ts',
      code: "import type { MetadataStore } from '../store/metadata-store.ts';\nexport type Y = MetadataStore;\n",
    },
    {
      name: 'synth importing the store',
      file: 'src/platform/synth/x.ts',
      code: "import { DEFAULT_DEMO_DIR } from '../store/demo-seed.ts';\nexport const y = DEFAULT_DEMO_DIR;\n",
    },
    {
      name: 'the api importing the composition root',
      file: 'src/platform/api/x.ts',
      code: "import { buildPlatformApp } from '../server.ts';\nexport const y = buildPlatformApp;\n",
    },
    {
      name: 'the audit log importing identity',
      file: 'src/platform/audit/x.ts',
      code: "import { hashPassword } from '../identity/passwords.ts';\nexport const y = hashPassword;\n",
    },
    {
      name: 'authz importing the api',
      file: 'src/platform/authz/x.ts',
      code: "import { PLATFORM_NAME } from '../api/v1-routes.ts';\nexport const y = PLATFORM_NAME;\n",
    },
    {
      name: 'a support module importing the store',
      file: 'src/platform/secret-file.ts',
      code: "import { DEFAULT_DEMO_DIR } from './store/demo-seed.ts';\nexport const y = DEFAULT_DEMO_DIR;\n",
    },
    {
      name: 'the composition root importing synth',
      file: 'src/platform/x.ts',
      code: "import { generatePlatformData } from './synth/index.ts';\nexport const y = generatePlatformData;\n",
    },
  ];

  it.each(refused)('refuses $name', async ({ file, code }) => {
    expect(await ruleIdsFor(file, code)).toContain('boundaries/dependencies');
  });

  const allowed: Array<{ name: string; file: string; code: string }> = [
    {
      name: 'the api importing the store',
      file: 'src/platform/api/x.ts',
      code: "import type { MetadataStore } from '../store/metadata-store.ts';\nexport type Y = MetadataStore;\n",
    },
    {
      name: 'identity importing the audit log',
      file: 'src/platform/identity/x.ts',
      code: "import type { AuditLog } from '../audit/audit-log.ts';\nexport type Y = AuditLog;\n",
    },
    {
      name: 'the audit log importing the store and a support module',
      file: 'src/platform/audit/x.ts',
      code: "import type { MetadataDatabase } from '../store/schema.ts';\nimport { ensurePrivateFolder } from '../secret-file.ts';\nexport type Y = MetadataDatabase;\nexport const z = ensurePrivateFolder;\n",
    },
    {
      name: 'the composition root importing every layer',
      file: 'src/platform/x.ts',
      code: [
        "import { registerV1Routes } from './api/v1-routes.ts';",
        "import { toErrorReply } from './http/error-reply.ts';",
        "import { assertMayCall } from './authz/access-policy.ts';",
        "import { projectFieldTreatment } from './minimisation/project-treatments.ts';",
        "import { hashPassword } from './identity/passwords.ts';",
        "import { openAuditLog } from './audit/audit-log.ts';",
        "import { openMetadataStore } from './store/metadata-store.ts';",
        "import { openDuckDbEngine } from './engine/duckdb-engine.ts';",
        "import { readCatalogueFile } from './catalogue/catalogue-file.ts';",
        "import { ensurePrivateFolder } from './secret-file.ts';",
        "import { openPlatformRecords } from './records.ts';",
        "import { EnclaveError } from '../common/errors.ts';",
        'export const all = [registerV1Routes, toErrorReply, assertMayCall, projectFieldTreatment, hashPassword, openAuditLog, openMetadataStore, openDuckDbEngine, readCatalogueFile, ensurePrivateFolder, openPlatformRecords, EnclaveError];',
        '',
      ].join('\n'),
    },
    {
      name: 'synth importing src/common',
      file: 'src/platform/synth/x.ts',
      code: "import { EnclaveError } from '../../common/errors.ts';\nexport const y = EnclaveError;\n",
    },
    {
      name: 'the CLI importing synth (platform init) and the composition root',
      file: 'src/cli/x.ts',
      code: "import { generatePlatformData } from '../platform/synth/index.ts';\nimport { createPlatformServer } from '../platform/server.ts';\nexport const y = [generatePlatformData, createPlatformServer];\n",
    },
  ];

  it.each(allowed)('allows $name', async ({ file, code }) => {
    // An import the rule cannot resolve is not judged at all, so a mistyped target would pass for nothing.
    for (const [, target] of code.matchAll(/from '([^']+)'/g)) expect(existsSync(join(root, dirname(file), target))).toBe(true);
    expect(await ruleIdsFor(file, code)).not.toContain('boundaries/dependencies');
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
