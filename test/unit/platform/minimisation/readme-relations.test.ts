// README.md lists, per demo project, the relations and columns an analyst queries with each column's treatment. This
// test writes that list from the shipped catalogue and the demo agreements, as the platform decides it, and checks
// the README holds exactly it, so the README cannot drift from what the platform does.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgreementSchema } from '../../../../src/platform/agreements/schema.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../../src/platform/catalogue/catalogue-file.ts';
import { fieldKindsOf, projectFieldTreatment, projectFieldWords } from '../../../../src/platform/minimisation/project-treatments.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const PROJECTS = ['covid-outcomes', 'cardio-admissions', 'opt-out-monitoring'];

async function listing(): Promise<string> {
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  const kinds = fieldKindsOf(catalogue);
  const parts: string[] = [];
  for (const id of PROJECTS) {
    const text = await readFile(path.join(root, 'resources', 'demo', 'agreements', `${id}.json`), 'utf8');
    const agreement = AgreementSchema.parse(JSON.parse(text));
    const members = agreement.members.map((member) => member.userId).join(', ');
    const optOut = agreement.nationalDataOptOutApplies ? 'applies' : 'does not apply';
    parts.push(
      `**${agreement.projectName}** (\`${id}\`; members: ${members}; opt-out ${optOut}; row cap ${agreement.rowCap.toLocaleString('en-GB')})`,
      '',
      '| relation | columns as the project sees them |\n|---|---|',
    );
    for (const datasetId of agreement.datasets) {
      const dataset = catalogue.find((each) => each.id === datasetId);
      if (dataset === undefined) throw new Error(`The catalogue has no ${datasetId}.`);
      const seen: string[] = [];
      const dropped: string[] = [];
      for (const field of dataset.fields) {
        const projectField = { name: field.name, tags: field.tags };
        const treatment = projectFieldTreatment({ agreement, datasetId, field: projectField, kinds });
        if (treatment.treatment === 'drop') dropped.push(`\`${field.name}\``);
        else seen.push(`\`${field.name}\` (${projectFieldWords({ agreement, field: projectField, treatment }).split(' → ')[1]})`);
      }
      parts.push(`| \`${datasetId}\` | ${seen.join(', ')}${dropped.length > 0 ? `; not available: ${dropped.join(', ')}` : ''} |`);
    }
    parts.push('');
  }
  return parts.join('\n').trim();
}

describe("README's list of what each demo project sees", () => {
  it('is what the platform decides from the catalogue and the demo agreements', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- relations:start -->\n');
    const end = readme.indexOf('\n<!-- relations:end -->');
    expect(start, 'README.md has the relations markers').toBeGreaterThan(0);
    expect(readme.slice(start + '<!-- relations:start -->\n'.length, end).trim()).toBe(await listing());
  });
});
