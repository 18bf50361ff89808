// The administrators' incidents screen (issue 18, #/admin/incidents): the restrictions the kill switch holds in force
// (each lifted with a reason), the incidents (opened, closed with a resolution), the kill switch itself (an action, what
// it will do, then what it did), and the access report of what a person or a project touched. Everything is decided and
// recorded on the platform; the overview comes from ./use-kill-switch.ts, shared with the banner over every
// administration screen.
import type { Client } from '../../../src/common/client.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { AccessReportPanel } from './AccessReportPanel.tsx';
import { ActionPanel } from './ActionPanel.tsx';
import { IncidentList } from './IncidentList.tsx';
import { RestrictionList } from './RestrictionList.tsx';
import type { KillSwitchState } from './use-kill-switch.ts';
import './admin.css';
import './incidents.css';

export function IncidentsScreen(props: { client: Client; killSwitch: KillSwitchState }) {
  const { client, killSwitch } = props;
  const { overview, error, loading, answered, refresh } = killSwitch;
  return (
    <div className="incidents-screen" aria-busy={loading} data-testid="incidents-screen" data-answered={answered}>
      <div className="incidents-top">
        <p className="hint">
          During an incident: record it, stop what must stop (a person, a project, or the way out), and find out what was touched. Every
          step is recorded in the audit log with its incident and reason.
        </p>
        <button type="button" className="button secondary" disabled={loading} onClick={refresh} data-testid="incidents-refresh">
          {loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      <ErrorMessage testId="incidents-error" title="The incidents could not be read" text={error} />
      {overview === null ? (
        error === null ? (
          <p className="hint">Reading the incidents…</p>
        ) : null
      ) : (
        <>
          <RestrictionList
            client={client}
            active={overview.active}
            lifted={overview.lifted}
            incidents={overview.incidents}
            onChanged={refresh}
          />
          <div className="incidents-grid">
            <IncidentList client={client} incidents={overview.incidents} onChanged={refresh} />
            <ActionPanel client={client} overview={overview} onActed={refresh} />
          </div>
          <AccessReportPanel client={client} overview={overview} />
        </>
      )}
    </div>
  );
}
