// The demo's agreements (resources/demo/agreements/) load cleanly against the demo's people and the shipped
// catalogue, agree with the demo projects, and let every demo member work today.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { openAgreements } from '../../../src/platform/agreements/loader.ts';
import type { AgreementChange, AgreementLoader } from '../../../src/platform/agreements/loader.ts';
import { memberStanding, projectStanding } from '../../../src/platform/agreements/standing.ts';
import type { TreatmentCheck } from '../../../src/platform/agreements/validate.ts';
import type { AgreementVersionStore } from '../../../src/platform/agreements/versions.ts';
import { effectiveTreatment } from '../../../src/platform/minimisation/policy.ts';
import { FieldKindSchema } from '../../../src/platform/minimisation/treatment-schema.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';
import type { DemoSeed } from '../../../src/platform/store/demo-seed.ts';

const AGREEMENTS_DIR = fileURLToPath(new URL('agreements/', DEFAULT_DEMO_DIR));

/** Versions in memory: the shipped folder is only read. */
const memoryVersions = (): AgreementVersionStore => {
  const records = new Map<string, Parameters<AgreementVersionStore['record']>[1]>();
  return { readAll: async () => new Map(records), record: async (projectId, accepted) => void records.set(projectId, accepted) };
};

let loader: AgreementLoader;
let seed: DemoSeed;
const changes: AgreementChange[] = [];
const checks: TreatmentCheck[] = [];

beforeAll(async () => {
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  seed = await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue });
  loader = await openAgreements({
    dir: AGREEMENTS_DIR,
    watch: false,
    versions: memoryVersions(),
    onChange: (change) => changes.push(change),
    lookups: {
      userExists: (userId) => seed.users.some((user) => user.id === userId),
      datasetFields: (datasetId) => catalogue.find((dataset) => dataset.id === datasetId)?.fields.map((field) => field.name),
      // Every override goes through the real policy (src/platform/minimisation/policy.ts), as the platform will wire it.
      checkTreatment: (check) => {
        checks.push(check);
        const field = catalogue.find((dataset) => dataset.id === check.dataset)?.fields.find((each) => each.name === check.field);
        if (field?.kind === undefined) return `${check.dataset}.${check.field} has no kind in the catalogue.`;
        const kind = FieldKindSchema.parse(field.kind);
        const effective = effectiveTreatment({
          field: { dataset: check.dataset, name: check.field, kind, tags: field.tags },
          override: check.treatment,
          legalBasisAllowsMore: check.legalBasis.allowsMoreThanDefaults,
        });
        return effective.ok ? null : effective.message;
      },
    },
  });
});

afterAll(async () => {
  await loader.stop();
});

describe('the demo agreements', () => {
  it('load without a problem, one per demo project, each at version 1', () => {
    expect(loader.problems()).toEqual(new Map());
    expect(changes.every((change) => 'version' in change && change.version === 1)).toBe(true);
    expect(loader.all().map((entry) => entry.projectId)).toEqual(seed.projects.map((project) => project.id).sort());
  });

  it('agree with the demo projects: name, purpose and datasets; only they list members, every one a demo person', () => {
    const people = new Set(seed.users.map((user) => user.id));
    for (const project of seed.projects) {
      const agreement = loader.get(project.id)?.agreement;
      expect(agreement).toMatchObject({ projectName: project.name, purpose: project.purpose, datasets: project.datasetIds });
      expect(agreement?.members.length).toBeGreaterThan(0);
      for (const member of agreement?.members ?? []) expect(people.has(member.userId)).toBe(true);
    }
  });

  it('put their overrides to the policy check, with their legal basis', () => {
    expect(checks.length).toBeGreaterThan(0);
    expect(new Set(checks.map((check) => check.legalBasis.kind))).toEqual(new Set(['s251_support', 'public_task', 'statutory_direction']));
  });

  it('exempt only the opt-out monitoring project from the national data opt-out, and say so in its legal basis', () => {
    const exempt = loader.all().filter((entry) => !entry.agreement.nationalDataOptOutApplies);
    expect(exempt.map((entry) => entry.projectId)).toEqual(['opt-out-monitoring']);
    expect(exempt[0].agreement.legalBasis).toMatchObject({ kind: 'statutory_direction', exemptFromOptOut: true });
    expect(exempt[0].agreement.legalBasis.reference).toContain('opt-out does not apply');
  });

  it('let every demo member work today (training, membership and agreement in force)', () => {
    const now = new Date();
    for (const { agreement } of loader.all()) {
      expect(projectStanding(agreement, now)).toEqual({ inForce: true });
      for (const member of agreement.members) expect(memberStanding(agreement, member.userId, now)).toMatchObject({ inForce: true });
    }
  });
});
