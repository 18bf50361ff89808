// The drives' name policy and conflict-copy names (src/common/drives.ts): what every file system the team uses can hold,
// twins that one of them cannot tell apart, and the copy that keeps the later of two edits.
import { describe, expect, it } from 'vitest';
import {
  conflictCopyName,
  DRIVE_NAME_MAX_BYTES,
  DrivePathSchema,
  driveBaseName,
  driveNameKey,
  driveNameProblem,
  drivePathKey,
  drivePathProblem,
  parentDrivePath,
} from '../../../src/common/drives.ts';

describe('driveNameProblem', () => {
  it.each(['report.csv', 'Résumé final.docx', 'data 2024-01-01', '日本語.txt', '.hidden', 'a'.repeat(DRIVE_NAME_MAX_BYTES), '😀.png'])(
    'accepts %s',
    (name) => expect(driveNameProblem(name)).toBeNull(),
  );

  it.each([
    ['', /empty/],
    ['.', /not a name/],
    ['..', /not a name/],
    ['a/b', /"\/".*Windows, macOS and Linux/],
    ['a\\b', /"\\".*Windows/],
    ['what?.csv', /"\?"/],
    ['a:b', /":"/],
    ['<x>', /"<"/],
    ['pipe|d', /"\|"/],
    ['star*', /"\*"/],
    ['quote"d', /"""/],
    ['tab\there', /control character/],
    ['nul\u0000', /control character/],
    ['trailing.', /end with a space or a full stop/],
    ['trailing ', /end with a space or a full stop/],
    [' leading', /start with a space/],
    ['CON', /device name on Windows/],
    ['con.txt', /device name on Windows/],
    ['LPT9.csv', /device name on Windows/],
    ['COM1', /device name on Windows/],
    ['a'.repeat(DRIVE_NAME_MAX_BYTES + 1), /at most 255 bytes/],
    // 128 two-byte characters: 256 bytes, though only 128 characters.
    ['é'.repeat(128), /at most 255 bytes/],
    ['lone\uD800surrogate', /well-formed Unicode/],
  ])('refuses %j with the reason', (name, reason) => {
    expect(driveNameProblem(name)).toMatch(reason);
  });

  it('judges a name after NFC: a decomposed é counts as one character', () => {
    expect(driveNameProblem('e\u0301'.repeat(127))).toBeNull();
  });

  it('does not take CONSOLE or COM0 for device names', () => {
    expect(driveNameProblem('CONSOLE.txt')).toBeNull();
    expect(driveNameProblem('COM0')).toBeNull();
  });
});

describe('driveNameKey: twins no file system of the team could tell apart', () => {
  it.each([
    ['Report.csv', 'report.csv'],
    ['café', 'cafe\u0301'],
    ['CAFÉ', 'cafe\u0301'],
    ['straße', 'STRASSE'],
  ])('%j and %j share a key', (a, b) => {
    expect(driveNameKey(a)).toBe(driveNameKey(b));
  });

  it('keeps different names apart', () => {
    expect(driveNameKey('report1.csv')).not.toBe(driveNameKey('report2.csv'));
    expect(driveNameKey('cafe')).not.toBe(driveNameKey('café'));
  });

  it('keys a whole path name by name', () => {
    expect(drivePathKey('Data/Café/A.csv')).toBe(drivePathKey('data/cafe\u0301/a.CSV'));
    expect(drivePathKey('')).toBe('');
  });
});

describe('drive paths', () => {
  it('accepts the root and nested names, and refuses empty parts, traversal and leading slashes', () => {
    expect(drivePathProblem('')).toBeNull();
    expect(drivePathProblem('a/b/c.csv')).toBeNull();
    expect(drivePathProblem('/a')).toMatch(/empty part/);
    expect(drivePathProblem('a//b')).toMatch(/empty part/);
    expect(drivePathProblem('a/')).toMatch(/empty part/);
    expect(drivePathProblem('a/../b')).toMatch(/not a name/);
    expect(drivePathProblem('./a')).toMatch(/not a name/);
    expect(drivePathProblem('a\\..\\b')).toMatch(/"\\"/);
    expect(drivePathProblem(Array.from({ length: 33 }, () => 'd').join('/'))).toMatch(/nest at most 32/);
  });

  it('parses to the NFC spelling, and refuses with the reason', () => {
    expect(DrivePathSchema.parse('cafe\u0301/x.csv')).toBe('café/x.csv');
    const refused = DrivePathSchema.safeParse('a/../etc');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/not a name/);
  });

  it('splits a path into its folder and its name', () => {
    expect(parentDrivePath('a/b/c.csv')).toBe('a/b');
    expect(parentDrivePath('c.csv')).toBe('');
    expect(driveBaseName('a/b/c.csv')).toBe('c.csv');
    expect(driveBaseName('c.csv')).toBe('c.csv');
  });
});

describe('conflictCopyName', () => {
  const at = new Date('2026-12-03T09:05:07.250Z');

  it('names the person and the UTC time, before the extension', () => {
    expect(conflictCopyName('report.csv', 'Ada Analyst', at)).toBe('report (conflict Ada Analyst 2026-12-03 090507 UTC).csv');
  });

  it('keeps the last extension only, and names without one', () => {
    expect(conflictCopyName('data.tar.gz', 'Ben', at)).toBe('data.tar (conflict Ben 2026-12-03 090507 UTC).gz');
    expect(conflictCopyName('Makefile', 'Ben', at)).toBe('Makefile (conflict Ben 2026-12-03 090507 UTC)');
    expect(conflictCopyName('.env', 'Ben', at)).toBe('.env (conflict Ben 2026-12-03 090507 UTC)');
  });

  it('drops from the person what no file system takes, and the result is a valid name', () => {
    const name = conflictCopyName('notes.txt', 'O\'Brien: "Ops" <ops>/\\|?*(x)', at);
    expect(name).toBe("notes (conflict O'Brien Ops opsx 2026-12-03 090507 UTC).txt");
    expect(driveNameProblem(name)).toBeNull();
    expect(conflictCopyName('a.txt', '???', at)).toBe('a (conflict someone 2026-12-03 090507 UTC).txt');
  });
});
