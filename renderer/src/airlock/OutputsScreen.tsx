// The Outputs screen (#/outputs, issue 16) for the members of the chosen project: the project's release requests (state,
// age, files; a new one started here), and its ledger of released outputs with their export; or one request's page
// (#/outputs/req-…). Lists are read when the screen is shown, for the project chosen in the sidebar, and again on
// request; the ages are counted from a clock that moves once a minute.
import { useCallback, useEffect, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Project } from '../../../src/common/contract.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import type { OutputsAddress } from './outputs-address.ts';
import { ReleasedOutputs } from './ReleasedOutputs.tsx';
import { RequestList } from './RequestList.tsx';
import { RequestPage } from './RequestPage.tsx';
import '../admin/incidents.css';
import '../catalogue/agreement.css';
import './airlock.css';

const MINUTE_MS = 60_000;

function useMinuteClock(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), MINUTE_MS);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

function ProjectOutputs(props: { client: Client; project: Project; shown: boolean; onOpenRequest: (requestId: string) => void }) {
  const { client, project, shown, onOpenRequest } = props;
  const now = useMinuteClock();
  const readRequests = useCallback(() => client.invoke('airlock.requests', { projectId: project.id }), [client, project.id]);
  const readReleased = useCallback(() => client.invoke('airlock.released', { projectId: project.id }), [client, project.id]);
  const requests = useAdminRead(readRequests, 'The project’s release requests could not be read.', shown);
  const released = useAdminRead(readReleased, 'The project’s released outputs could not be read.', shown);
  const loading = requests.loading || released.loading;
  const refresh = (): void => {
    requests.refresh();
    released.refresh();
  };
  return (
    <div
      className="outputs-overview"
      aria-busy={loading}
      data-answered={requests.answered + released.answered}
      data-testid="outputs-overview"
    >
      <div className="outputs-top">
        <p className="hint">
          Outputs of <strong>{project.name}</strong> leave the environment only through a release request that two output checkers reviewed.
        </p>
        <button type="button" className="button secondary" disabled={loading} onClick={refresh} data-testid="outputs-refresh">
          {loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      <ErrorMessage testId="requests-error" title="The release requests could not be read" text={requests.error} />
      <RequestList
        client={client}
        projectId={project.id}
        requests={requests.value}
        now={now}
        onCreated={(detail) => onOpenRequest(detail.id)}
      />
      <ReleasedOutputs client={client} projectId={project.id} released={released.value} error={released.error} />
    </div>
  );
}

export function OutputsScreen(props: {
  client: Client;
  /** The project chosen in the sidebar (null: none yet). */
  project: Project | null;
  address: OutputsAddress;
  /** Whether the screen is shown (its lists are read again each time it is). */
  shown: boolean;
  onOpenRequest: (requestId: string) => void;
}) {
  const { client, project, address, shown, onOpenRequest } = props;
  return (
    <div className="outputs-screen" data-testid="outputs-screen">
      {address.requestId !== null ? (
        <RequestPage key={address.requestId} client={client} requestId={address.requestId} />
      ) : project === null ? (
        <section className="panel" aria-label="Outputs">
          <p className="hint">Choose a project to see its release requests and released outputs.</p>
        </section>
      ) : (
        <ProjectOutputs key={project.id} client={client} project={project} shown={shown} onOpenRequest={onOpenRequest} />
      )}
    </div>
  );
}
