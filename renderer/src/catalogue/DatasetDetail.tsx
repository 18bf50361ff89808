// One dataset as this project sees it: every field, its type, description, tags, and what the project sees of it: its
// treatment in words ("NHS number → project pseudonym"), or that it is not available to this project.
import type { ReactNode } from 'react';
import type { Dataset, FieldTag } from '../../../src/common/contract.ts';
import { formatCount, formatRows } from '../shell/format.ts';

const TAG_LABELS: Record<FieldTag, string> = {
  direct_identifier: 'Direct identifier',
  quasi_identifier: 'Quasi-identifier',
  sensitive: 'Sensitive',
  clinical: 'Clinical',
  reference: 'Reference',
};

export function DatasetDetail(props: { dataset: Dataset; children?: ReactNode }) {
  const { dataset } = props;
  const unavailable = dataset.fields.filter((field) => !field.available).length;
  return (
    <section className="panel" aria-labelledby="dataset-heading" data-testid="dataset-detail">
      <h2 id="dataset-heading">{dataset.name}</h2>
      <p>{dataset.description}</p>
      <p className="hint">
        <code>{dataset.id}</code> · {formatRows(dataset.rowCount)} on the platform · {formatCount(dataset.fields.length)} fields
        {unavailable > 0 ? `, ${formatCount(unavailable)} not available to this project` : ''}
      </p>
      {props.children}
      <div className="table-wrap">
        <table className="fields" data-testid="fields-table">
          <caption>Fields of {dataset.name} for this project</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Description</th>
              <th scope="col">Tags</th>
              <th scope="col">For this project</th>
            </tr>
          </thead>
          <tbody>
            {dataset.fields.map((field) => (
              <tr key={field.name} className={field.available ? undefined : 'unavailable'} data-testid={`field-${field.name}`}>
                <td>
                  <code>{field.name}</code>
                </td>
                <td>
                  <code>{field.type}</code>
                </td>
                <td>{field.description}</td>
                <td>
                  <ul className="chips" aria-label={`Tags of ${field.name}`}>
                    {field.tags.map((tag) => (
                      <li key={tag} className={`chip ${tag}`}>
                        {TAG_LABELS[tag]}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  {field.available ? (
                    <span className="treatment" data-testid="field-treatment">
                      {field.treatment}
                    </span>
                  ) : (
                    <span className="badge not-available" data-testid="field-not-available">
                      Not available to this project
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
