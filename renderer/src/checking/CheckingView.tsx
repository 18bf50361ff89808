// The output checkers' screen (issue 16, #/checking): the queue of release requests waiting for review across projects,
// each opening its review page (which takes the queue's place until "Back to the queue"), and the disclosure-control
// rule profiles as the reference below the queue. Everything is decided on the platform: the queue never lists the
// checker's own requests, blinding and the evidence are shaped there, and every action is refused there when it may
// not happen.
import { useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { QueuePanel } from './QueuePanel.tsx';
import { ReviewPage } from './ReviewPage.tsx';
import { RuleProfiles } from './RuleProfiles.tsx';
import '../admin/admin.css';
import '../admin/incidents.css';
import '../admin/people.css';
import '../catalogue/agreement.css';
import './checking.css';

export function CheckingView(props: {
  client: Client;
  /** A request to open (a notification's), and when it was asked for: asking again for the same one opens it again. */
  openRequest?: { requestId: string; at: number } | null;
  /** Whether the screen is shown (it stays mounted while hidden): the queue is read again each time it is shown. */
  shown?: boolean;
}) {
  const { client, openRequest, shown = true } = props;
  const [open, setOpen] = useState<string | null>(null);

  useEffect(() => {
    if (openRequest) setOpen(openRequest.requestId);
  }, [openRequest]);
  /** +1 each time a review page closes: the queue takes the focus back. */
  const [closed, setClosed] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  /** Whether the signed-in person holds the output checker role (the queue is theirs); null until known. */
  const [checker, setChecker] = useState<boolean | null>(null);

  useEffect(() => {
    let live = true;
    client.invoke('session.get', {}).then(
      (session) => {
        if (!live) return;
        const user = session.user;
        setChecker(user !== null && (user.roles ?? [user.role]).includes('output_checker'));
      },
      // Unknown: offer the queue, and let the platform say whether it is theirs.
      () => live && setChecker(true),
    );
    return () => {
      live = false;
    };
  }, [client]);

  useEffect(() => {
    if (closed > 0) root.current?.querySelector<HTMLElement>('#queue-heading')?.focus();
  }, [closed]);

  return (
    <div className="checking-screen" ref={root} data-testid="checking-view">
      {open !== null ? (
        <ReviewPage
          key={open}
          client={client}
          requestId={open}
          onBack={() => {
            setOpen(null);
            setClosed((n) => n + 1);
          }}
        />
      ) : null}
      <div hidden={open !== null}>
        <QueuePanel client={client} onOpen={setOpen} checker={checker} shown={shown && open === null} />
        <RuleProfiles client={client} />
      </div>
    </div>
  );
}
