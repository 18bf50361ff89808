// The disclosure-control report beside the output being built (issue 16): the engine's verdict and the mitigation
// applied (two of the airlock's three separate words, each under its own label), what a person must look at, the
// engine's notes, and the suggested mitigation with the button that applies it.
import type { OutputCheck } from '../../../src/common/output-check.ts';
import type { AppliedMitigation } from '../../../src/common/outputs.ts';
import { MITIGATION_LABELS, MITIGATION_WORD, VERDICT_HINTS, VERDICT_LABELS, VERDICT_WORD, verdictTone } from '../airlock/airlock-words.ts';
import { evidenceWords } from './published-grid.ts';
import { suggestionLabel } from './builder-model.ts';
import { DifferencingSideBySide } from '../checking/DifferencingSideBySide.tsx';

export function CheckReport(props: { check: OutputCheck; title: string; onApply: (mitigation: AppliedMitigation) => void }) {
  const { check } = props;
  const suggestion = check.suggestion;
  const whole = check.evidence.filter((e) => e.cell === null);
  return (
    <section className="check-report" aria-labelledby="check-report-heading" data-testid="check-report">
      <h3 id="check-report-heading" className="visually-hidden">
        Disclosure-control report
      </h3>
      <dl className="check-words">
        <div>
          <dt>{VERDICT_WORD}</dt>
          <dd>
            <span className={`badge status ${verdictTone(check.verdict)}`} data-testid="output-verdict">
              {VERDICT_LABELS[check.verdict]}
            </span>{' '}
            <span className="hint">{VERDICT_HINTS[check.verdict]}</span>
          </dd>
        </div>
        <div>
          <dt>{MITIGATION_WORD}</dt>
          <dd data-testid="output-mitigation-applied">{MITIGATION_LABELS[check.mitigation]}</dd>
        </div>
      </dl>
      {suggestion ? (
        <div className="suggestion" data-testid="output-suggestion">
          <p>
            Suggested: <strong>{suggestion.text}</strong>.
          </p>
          <button type="button" className="button" data-testid="apply-suggestion" onClick={() => props.onApply(suggestion.apply)}>
            {suggestionLabel(suggestion)}
          </button>
        </div>
      ) : null}
      {check.flags.length > 0 ? (
        <>
          <h4>A person must look at</h4>
          <ul className="check-flags" data-testid="output-flags">
            {check.flags.map((flag) => (
              <li key={flag.message} data-code={flag.code}>
                {flag.message}
                {flag.earlier ? <span className="hint"> (compare with the released “{flag.earlier.title ?? flag.earlier.id}”)</span> : null}
                <DifferencingSideBySide check={check} flag={flag} title={props.title} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {whole.length > 0 ? (
        <p className="check-evidence" data-testid="output-evidence">
          Evidence (stays in the environment): {whole.flatMap(evidenceWords).join('; ')}.
        </p>
      ) : null}
      {check.notes.length > 0 ? (
        <ul className="check-notes" data-testid="output-notes">
          {check.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
