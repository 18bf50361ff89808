// The README's incident runbook names only commands that exist: every `enclave …` line in its section is run with
// `--help` by the real `enclave` entry point, which must know the command (exit 0, its usage) and every flag the line
// gives. And the runbook names every break-glass command, so none is left for the operator to discover at 2 a.m.
// SATRE 2.6.04 (documented procedures for rapid incident response).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INCIDENT_COMMANDS } from '../../../src/cli/platform-incidents.ts';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));
const HEADING = '### Incident runbook';

/** The section's lines: from its heading to the next heading of its level or above, outside code blocks. */
function runbookSection(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(HEADING);
  if (start === -1) return [];
  const section: string[] = [];
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    if (!fenced && /^#{1,3} /.test(line)) break;
    section.push(line);
  }
  return section;
}

/** Every `enclave …` command the section names: lines in its code blocks, and inline code in its prose. */
function commandLines(section: readonly string[]): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const line of section) {
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      const command = line.trim().replace(/^npx /, '');
      if (command.startsWith('enclave ')) found.push(command);
      continue;
    }
    for (const [, code] of line.matchAll(/`([^`]+)`/g)) {
      const command = code.replace(/^npx /, '');
      if (command.startsWith('enclave ')) found.push(command);
    }
  }
  return found;
}

/** Shell words, double- and single-quoted ones kept whole. */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]);
}

interface Parsed {
  readonly line: string;
  /** The words that name the command: `platform suspend-user`. */
  readonly path: string[];
  readonly flags: string[];
}

function parse(line: string): Parsed {
  const [, ...rest] = words(line);
  const firstFlag = rest.findIndex((word) => word.startsWith('-'));
  const path = firstFlag === -1 ? rest : rest.slice(0, firstFlag);
  const flags = rest.filter((word) => word.startsWith('--')).map((word) => word.split('=')[0]);
  return { line, path, flags };
}

async function enclave(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [ENCLAVE, ...args], { cwd: path.dirname(ENCLAVE), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

const section = runbookSection(await readFile(README, 'utf8'));
const commands = commandLines(section).map(parse);

describe('the incident runbook in README.md', () => {
  it('has its section, naming commands', () => {
    expect(section.length).toBeGreaterThan(0);
    expect(commands.length).toBeGreaterThan(0);
  });

  it('names every break-glass command, `enclave platform user add` and `enclave audit verify`', () => {
    const named = new Set(commands.map((command) => command.path.join(' ')));
    for (const command of INCIDENT_COMMANDS) expect(named, command).toContain(`platform ${command}`);
    expect(named).toContain('platform user add');
    expect(named).toContain('audit verify');
  });

  it.each(commands.map((command) => [command.line, command] as const))(
    '%s: the CLI runs this command and knows its flags',
    async (_line, command) => {
      const run = await enclave([...command.path, '--help']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.startsWith(`Usage: enclave ${command.path.join(' ')} `)).toBe(true);
      for (const flag of command.flags)
        expect(run.stdout, `${flag} in the usage of ${command.path.join(' ')}`).toMatch(new RegExp(`${flag}\\b`));
    },
  );

  it('would catch a command the CLI does not have', async () => {
    const run = await enclave(['platform', 'no-such-command', '--help']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command');
  });
});
