// Where the active tab's SQL runs, chosen per tab: the project's local engine, or the platform (one SELECT over the
// project's minimised relations, whose result becomes a local table). The choice sits on the tab strip's line; a
// platform tab then looks different at a glance: a line in the platform's colour says "Platform query — minimised data
// of <project>" and holds the local table its result goes into, and the editor is edged with that colour.
import { useId, type Ref } from 'react';
import type { QueryEngine } from '../../../src/common/workspace.ts';

const CHOICES: ReadonlyArray<{ engine: QueryEngine; label: string }> = [
  { engine: 'local', label: 'Local' },
  { engine: 'platform', label: 'Platform' },
];

export function EngineChoice(props: { engine: QueryEngine; disabled: boolean; onChange: (engine: QueryEngine) => void }) {
  const { engine } = props;
  const base = useId();
  return (
    <div role="radiogroup" aria-labelledby={`${base}-label`} className="engine-choice" data-engine={engine} data-testid="engine-choice">
      <span id={`${base}-label`} className="engine-choice-label">
        Runs on
      </span>
      {CHOICES.map((choice) => (
        <label key={choice.engine} className={choice.engine === engine ? 'engine-option chosen' : 'engine-option'}>
          <input
            type="radio"
            name={`${base}-engine`}
            value={choice.engine}
            checked={choice.engine === engine}
            disabled={props.disabled}
            data-testid={`engine-${choice.engine}`}
            onChange={() => props.onChange(choice.engine)}
          />
          {choice.label}
        </label>
      ))}
    </div>
  );
}

/** A platform tab's line above the editor: what it queries, and the local table its result goes into. */
export function PlatformLine(props: {
  projectName: string;
  table: string;
  /** Why the table name cannot be used (shown on the run line, under this id), or null. */
  tableProblem: string | null;
  problemId: string;
  busy: boolean;
  onTableChange: (table: string) => void;
  tableInput: Ref<HTMLInputElement>;
}) {
  const fieldId = useId();
  const usable = props.tableProblem === null;
  return (
    <div className="platform-line" data-testid="platform-line">
      <p className="platform-label" data-testid="platform-label">
        Platform query — minimised data of {props.projectName}
      </p>
      <div className="field inline destination">
        <label htmlFor={fieldId}>Into table</label>
        <input
          id={fieldId}
          ref={props.tableInput}
          value={props.table}
          maxLength={63}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={usable ? undefined : true}
          aria-describedby={usable ? undefined : props.problemId}
          disabled={props.busy}
          data-testid="platform-table"
          onChange={(event) => props.onTableChange(event.target.value)}
        />
      </div>
    </div>
  );
}
