// The output builder's choices (issue 16): the kind of output, its dimensions (one to three, two for a bar chart),
// the measure and statistic, totals, a histogram's bins, a regression's observations and residual degrees of freedom,
// a frequency table's derived values (percentages or rates), the title, and the mitigation. Every change goes straight
// to the preview.
import { useId } from 'react';
import type { ResultColumn } from '../analysis/column-kind.ts';
import {
  defaultTitle,
  derivedChoices,
  dimensionColumns,
  KIND_LABELS,
  MAX_BINS,
  MAX_DIMENSIONS,
  measureColumns,
  MIN_BINS,
  mitigationChoices,
  mitigationValue,
  withKind,
  type BuilderKind,
  type BuilderState,
} from './builder-model.ts';

export function BuilderChoices(props: {
  columns: readonly ResultColumn[];
  kinds: readonly BuilderKind[];
  state: BuilderState;
  onChange: (state: BuilderState) => void;
}) {
  const { columns, state, onChange } = props;
  const id = useId();
  const dims = dimensionColumns(columns);
  const measures = measureColumns(columns);
  const tabular = state.kind === 'frequency' || state.kind === 'magnitude' || state.kind === 'bar';
  const most = tabular ? MAX_DIMENSIONS[state.kind as 'frequency' | 'magnitude' | 'bar'] : 0;
  const mitigations = mitigationChoices(state.kind);

  const setDimension = (index: number, name: string): void => {
    const dimensions = [...state.dimensions];
    dimensions[index] = name;
    // A blank choice ends the list: the dimensions after it go too.
    onChange({ ...state, dimensions: name === '' ? dimensions.slice(0, Math.max(1, index)) : dimensions });
  };

  return (
    <form className="builder-choices" aria-label="What the output shows" onSubmit={(event) => event.preventDefault()}>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Kind of output</label>
        <select
          id={`${id}-kind`}
          data-testid="output-kind"
          value={state.kind}
          onChange={(event) => onChange(withKind(state, event.target.value as BuilderKind))}
        >
          {props.kinds.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>

      {tabular ? (
        <fieldset className="builder-dimensions">
          <legend>Dimensions (up to {most})</legend>
          {state.dimensions.map((dimension, index) => (
            <div className="field" key={index}>
              <label htmlFor={`${id}-dim-${index}`}>
                {index === 0 ? 'Rows by' : index === state.dimensions.length - 1 ? 'Columns by' : 'Then by'}
              </label>
              <select
                id={`${id}-dim-${index}`}
                data-testid={`output-dimension-${index}`}
                value={dimension}
                onChange={(event) => setDimension(index, event.target.value)}
              >
                {index > 0 ? <option value="">(none)</option> : <option value="">Choose a column</option>}
                {dims.map((column) => (
                  <option key={column.name} value={column.name}>
                    {column.name}
                  </option>
                ))}
              </select>
            </div>
          ))}
          {state.dimensions.length < most && state.dimensions.every((d) => d !== '') ? (
            <button
              type="button"
              className="link-button"
              data-testid="output-add-dimension"
              onClick={() => onChange({ ...state, dimensions: [...state.dimensions, ''] })}
            >
              Add a dimension
            </button>
          ) : null}
        </fieldset>
      ) : null}

      {state.kind === 'magnitude' || state.kind === 'histogram' ? (
        <div className="builder-row">
          <div className="field">
            <label htmlFor={`${id}-measure`}>Measure</label>
            <select
              id={`${id}-measure`}
              data-testid="output-measure"
              value={state.measure}
              onChange={(event) => onChange({ ...state, measure: event.target.value })}
            >
              <option value="">Choose a column</option>
              {measures.map((column) => (
                <option key={column.name} value={column.name}>
                  {column.name}
                </option>
              ))}
            </select>
          </div>
          {state.kind === 'magnitude' ? (
            <div className="field">
              <label htmlFor={`${id}-statistic`}>Statistic</label>
              <select
                id={`${id}-statistic`}
                data-testid="output-statistic"
                value={state.statistic}
                onChange={(event) => onChange({ ...state, statistic: event.target.value === 'mean' ? 'mean' : 'sum' })}
              >
                <option value="sum">Sum</option>
                <option value="mean">Mean</option>
              </select>
            </div>
          ) : (
            <div className="field">
              <label htmlFor={`${id}-bins`}>About how many bins</label>
              <input
                id={`${id}-bins`}
                data-testid="output-bins"
                type="number"
                min={MIN_BINS}
                max={MAX_BINS}
                value={state.bins}
                onChange={(event) => {
                  const bins = Number(event.target.value);
                  if (Number.isInteger(bins) && bins >= MIN_BINS && bins <= MAX_BINS) onChange({ ...state, bins });
                }}
              />
            </div>
          )}
        </div>
      ) : null}
      {state.kind === 'magnitude' ? (
        <p className="hint">Rows whose {state.measure || 'measure'} is missing are counted in no cell’s contributors.</p>
      ) : null}

      {tabular ? (
        <div className="builder-check">
          <input
            id={`${id}-totals`}
            data-testid="output-totals"
            type="checkbox"
            checked={state.totals}
            onChange={(event) => onChange({ ...state, totals: event.target.checked })}
          />
          <label htmlFor={`${id}-totals`}>Totals</label>
        </div>
      ) : null}

      {state.kind === 'frequency' ? (
        <div className="field">
          <label htmlFor={`${id}-derived`}>Beside each count, of its row’s published total</label>
          <select
            id={`${id}-derived`}
            data-testid="output-derived"
            value={state.ratePer === null ? 'percent' : String(state.ratePer)}
            onChange={(event) => {
              const chosen = derivedChoices().find((choice) => choice.value === event.target.value);
              if (chosen) onChange({ ...state, ratePer: chosen.ratePer });
            }}
          >
            {derivedChoices().map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
      ) : null}

      {state.kind === 'regression' ? (
        <>
          <div className="field">
            <label htmlFor={`${id}-model`}>Model</label>
            <input
              id={`${id}-model`}
              data-testid="output-model"
              value={state.model}
              placeholder="e.g. logistic regression of death on age and sex"
              onChange={(event) => onChange({ ...state, model: event.target.value })}
            />
          </div>
          <div className="builder-row">
            <div className="field">
              <label htmlFor={`${id}-observations`}>Observations</label>
              <input
                id={`${id}-observations`}
                data-testid="output-observations"
                inputMode="numeric"
                value={state.observations}
                onChange={(event) => onChange({ ...state, observations: event.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-dof`}>Residual degrees of freedom</label>
              <input
                id={`${id}-dof`}
                data-testid="output-dof"
                inputMode="numeric"
                value={state.residualDof}
                onChange={(event) => onChange({ ...state, residualDof: event.target.value })}
              />
            </div>
          </div>
          <p className="hint">The coefficients come from the result’s term, estimate, std_error and p_value columns.</p>
        </>
      ) : null}

      <div className="field">
        <label htmlFor={`${id}-title`}>Title</label>
        <input
          id={`${id}-title`}
          data-testid="output-title"
          value={state.title}
          placeholder={defaultTitle(state)}
          onChange={(event) => onChange({ ...state, title: event.target.value })}
        />
      </div>

      {mitigations.length > 0 ? (
        <div className="field">
          <label htmlFor={`${id}-mitigation`}>Mitigation</label>
          <select
            id={`${id}-mitigation`}
            data-testid="output-mitigation"
            value={mitigationValue(state.mitigation)}
            onChange={(event) => {
              const chosen = mitigations.find((m) => m.value === event.target.value);
              if (chosen) onChange({ ...state, mitigation: chosen.mitigation });
            }}
          >
            {mitigations.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
      ) : null}
    </form>
  );
}
