// The chosen project's data-sharing agreement on the catalogue screen, read-only: what its members work under.
import { useEffect, useState } from 'react';
import type { AgreementView } from '../../../src/common/agreement-views.ts';
import type { Client } from '../../../src/common/client.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { AgreementDetails } from './AgreementDetails.tsx';

export function ProjectAgreement(props: { client: Client; projectId: string }) {
  const { client, projectId } = props;
  const [agreement, setAgreement] = useState<AgreementView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setAgreement(null);
    setError(null);
    client.invoke('agreement.get', { projectId }).then(
      (view) => live && setAgreement(view),
      (err: unknown) => live && setError(messageOf(err, "The project's agreement could not be loaded.")),
    );
    return () => {
      live = false;
    };
  }, [client, projectId, attempt]);

  return (
    <section className="panel" aria-labelledby="agreement-heading" data-testid="project-agreement">
      <h2 id="agreement-heading">Data-sharing agreement{agreement ? `: ${agreement.projectName}` : ''}</h2>
      <p className="hint">
        What this project works under: read-only here. To change it, ask the project’s data manager; the platform applies a new version as
        soon as it is accepted.
      </p>
      <ErrorMessage testId="agreement-error" title="The agreement could not be loaded" text={error}>
        <button type="button" className="button secondary" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </ErrorMessage>
      {agreement === null && error === null ? <p className="hint">Loading the agreement…</p> : null}
      {agreement ? <AgreementDetails agreement={agreement} /> : null}
    </section>
  );
}
