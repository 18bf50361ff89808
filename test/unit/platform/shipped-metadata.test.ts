// The catalogue and demo seed ship as data; they must parse and agree with each other.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CatalogueFileSchema, DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';

const DEMO_ANALYST_ID = 'demo-analyst';

describe('the shipped catalogue and demo seed', () => {
  it('parse, and every project names known users and datasets', async () => {
    const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
    const seed = await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue });
    expect(seed.projects.length).toBeGreaterThanOrEqual(2);
  });

  it('seed the demo analyst, Ada Analyst, in at least one project', async () => {
    const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
    const seed = await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue });
    expect(seed.users.find((user) => user.id === DEMO_ANALYST_ID)).toEqual({
      id: DEMO_ANALYST_ID,
      displayName: 'Ada Analyst',
      role: 'analyst',
      password: 'ada-demo-pass',
    });
    // Membership is the agreements' (the one source): Ada is listed in some demo agreements and not in others.
    const members = await Promise.all(
      seed.projects.map(async (project) => {
        const file = new URL(`agreements/${project.id}.json`, DEFAULT_DEMO_DIR);
        const agreement = JSON.parse(await readFile(file, 'utf8')) as { members: Array<{ userId: string }> };
        return agreement.members.map((member) => member.userId);
      }),
    );
    expect(members.filter((ids) => ids.includes(DEMO_ANALYST_ID)).length).toBeGreaterThanOrEqual(1);
    expect(members.some((ids) => !ids.includes(DEMO_ANALYST_ID))).toBe(true);
  });

  it('seed the demo accounts the README lists, with their demo-only passwords', async () => {
    const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
    const seed = await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue });
    expect(seed.users.map(({ id, displayName, role, password }) => [id, password, displayName, role])).toEqual([
      ['demo-analyst', 'ada-demo-pass', 'Ada Analyst', 'analyst'],
      ['demo-analyst-2', 'ben-demo-pass', 'Ben Analyst', 'analyst'],
      ['demo-checker-1', 'chloe-demo-pass', 'Chloe Checker', 'output_checker'],
      ['demo-checker-2', 'chidi-demo-pass', 'Chidi Checker', 'output_checker'],
      ['demo-admin', 'dana-demo-pass', 'Dana Admin', 'admin'],
    ]);
  });

  it('seed one user of every role, for the sign-in issue', async () => {
    const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
    const seed = await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue });
    expect(new Set(seed.users.map((user) => user.role))).toEqual(new Set(['analyst', 'output_checker', 'admin']));
  });
});

describe('CatalogueFileSchema', () => {
  const valid = [{ id: 'd', name: 'D', description: '', fields: [{ name: 'a', type: 'VARCHAR', description: '', tags: ['reference'] }] }];

  it('accepts a minimal catalogue', () => {
    expect(CatalogueFileSchema.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['a field name that would need quoting', [{ ...valid[0], fields: [{ ...valid[0].fields[0], name: 'a"; DROP' }] }]],
    ['a field with no tags', [{ ...valid[0], fields: [{ ...valid[0].fields[0], tags: [] }] }]],
    ['an unknown tag', [{ ...valid[0], fields: [{ ...valid[0].fields[0], tags: ['secret'] }] }]],
    ['a key naming a missing field', [{ ...valid[0], key: ['b'] }]],
    ['a dataset listed twice', [valid[0], valid[0]]],
    ['a field listed twice', [{ ...valid[0], fields: [valid[0].fields[0], valid[0].fields[0]] }]],
    ['a path-like dataset id', [{ ...valid[0], id: '../x' }]],
  ])('refuses %s', (_label, catalogue) => {
    expect(CatalogueFileSchema.safeParse(catalogue).success).toBe(false);
  });
});
