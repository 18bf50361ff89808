// The datasets a project's agreement covers, with their row counts on the platform, and the agreement itself.
import type { Catalogue } from '../../../src/common/contract.ts';
import { formatRows } from '../shell/format.ts';

export function DatasetList(props: {
  catalogue: Catalogue | null;
  loading: boolean;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Whether the project's agreement is what the screen shows (rather than a dataset). */
  agreementSelected?: boolean;
  onSelectAgreement?: () => void;
}) {
  const { catalogue, loading, selectedId, onSelect, onSelectAgreement } = props;
  const agreementSelected = props.agreementSelected ?? false;
  return (
    <section className="panel" aria-labelledby="datasets-heading" data-testid="dataset-list">
      <h2 id="datasets-heading">Datasets</h2>
      {loading ? <p className="hint">Loading the catalogue…</p> : null}
      {!loading && catalogue === null ? <p className="hint">Pick a project to see its datasets.</p> : null}
      {!loading && catalogue !== null && catalogue.datasets.length === 0 ? <p className="hint">This project has no datasets yet.</p> : null}
      {!loading && catalogue !== null && catalogue.datasets.length > 0 ? (
        <ul className="choice-list">
          {catalogue.datasets.map((dataset) => (
            <li key={dataset.id}>
              <button
                type="button"
                className="choice"
                aria-pressed={!agreementSelected && dataset.id === selectedId}
                data-testid={`dataset-${dataset.id}`}
                onClick={() => onSelect(dataset.id)}
              >
                <span className="choice-title">{dataset.name}</span>
                <span className="choice-meta">
                  <code>{dataset.id}</code> · {formatRows(dataset.rowCount)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {catalogue !== null && onSelectAgreement ? (
        <div className="agreement-choice">
          <button
            type="button"
            className="choice"
            aria-pressed={agreementSelected}
            data-testid="open-agreement"
            onClick={onSelectAgreement}
          >
            <span className="choice-title">Data-sharing agreement</span>
            <span className="choice-meta">Who may see what, for which purpose, until when</span>
          </button>
        </div>
      ) : null}
    </section>
  );
}
