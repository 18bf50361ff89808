// What happened to a release request, oldest first: each step, who took it, the state before and after, and the reason
// given (a withdrawal, a rejection, a revocation).
import type { RequestDetail } from '../../../src/common/airlock.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { STATE_LABELS } from './airlock-words.ts';
import { EVENT_WORDS } from './request-text.ts';

export function RequestHistory(props: { detail: RequestDetail }) {
  const { history } = props.detail;
  return (
    <section className="panel" aria-labelledby="request-history-heading" data-testid="request-history">
      <h3 id="request-history-heading">History</h3>
      <div className="table-wrap">
        <table className="fields history-table">
          <caption className="visually-hidden">What happened to the request, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {history.map((entry, index) => (
              <tr key={`${entry.at}-${index}`} data-testid="history-entry" data-event={entry.event}>
                <td className="history-time">{formatEventTime(entry.at)}</td>
                <td>{entry.by.name}</td>
                <td>
                  {EVENT_WORDS[entry.event]}
                  {entry.reason ? <span className="history-reason">Reason: {entry.reason}</span> : null}
                </td>
                <td>
                  {entry.fromState === null || entry.fromState === entry.toState
                    ? STATE_LABELS[entry.toState]
                    : `${STATE_LABELS[entry.fromState]} → ${STATE_LABELS[entry.toState]}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
