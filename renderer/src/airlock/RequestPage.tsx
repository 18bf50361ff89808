// One release request's page on the Outputs screen (#/outputs/req-…, issue 16): its title and state (and what happens
// next), its context, its files with their three words and exception texts, the checkers' public comments (answerable),
// adding a supporting file, Submit and Withdraw, and its history. Every action answers the request as it now is, which
// the page shows at once; "Read again" asks the platform for what others changed meanwhile. The heading takes the focus
// when the page opens, so keyboard and screen-reader users land on it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { STATE_HINTS, STATE_LABELS, stateTone } from './airlock-words.ts';
import { CommentForm, CommentList } from './Comments.tsx';
import { outputsHashOf } from './outputs-address.ts';
import { RequestActions } from './RequestActions.tsx';
import { RequestContextPanel } from './RequestContextPanel.tsx';
import { RequestFiles } from './RequestFiles.tsx';
import { RequestHistory } from './RequestHistory.tsx';
import { commentsOn, currentFiles } from './request-text.ts';
import { SupportingFileForm } from './SupportingFileForm.tsx';
import { useRequest } from './use-request.ts';

function ReturnedNotice(props: { detail: RequestDetail }) {
  const { outputs } = currentFiles(props.detail);
  const asked = outputs.filter((file) => file.decision === 'changes_requested' || file.decision === 'conflicted').length;
  const text =
    asked === 0
      ? 'The output checkers returned this request to you. Their comments are below.'
      : `The output checkers returned this request to you: ${asked === 1 ? '1 output needs' : `${asked} outputs need`} a change. Their comments are shown with each file. Change the outputs (make them again from your results and add them under the same name), answer the comments, and submit again.`;
  return <Notice kind="notice" testId="returned-notice" text={text} />;
}

function RequestHeader(props: { detail: RequestDetail; loading: boolean; onRefresh: () => void }) {
  const { detail, loading, onRefresh } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [detail.id]);
  return (
    <section className="panel request-head" aria-labelledby="request-heading" data-testid="request-head">
      <div className="request-head-top">
        <h2 id="request-heading" tabIndex={-1} ref={heading} data-testid="request-title">
          {detail.title}
        </h2>
        <button type="button" className="button secondary" disabled={loading} onClick={onRefresh} data-testid="request-refresh">
          {loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      <p className="request-state">
        <span className={`badge status ${stateTone(detail.state)}`} data-testid="request-state" data-state={detail.state}>
          {STATE_LABELS[detail.state]}
        </span>{' '}
        <span data-testid="request-state-hint">{STATE_HINTS[detail.state]}</span>
      </p>
      <dl className="facts request-facts">
        <dt>Project</dt>
        <dd>{detail.projectName}</dd>
        <dt>Asked by</dt>
        <dd data-testid="request-author">
          {detail.author.name}
          {detail.myRole === 'author' ? ' (you)' : ''}
        </dd>
        <dt>Created</dt>
        <dd>{formatEventTime(detail.createdAt)}</dd>
        <dt>Submitted</dt>
        <dd>{detail.submittedAt === null ? <span className="hint">Not yet</span> : formatEventTime(detail.submittedAt)}</dd>
        {detail.round > 1 ? (
          <>
            <dt>Round of review</dt>
            <dd>{detail.round}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

export function RequestPage(props: { client: Client; requestId: string }) {
  const { client, requestId } = props;
  const { detail, error, loading, answered, refresh, replace } = useRequest(client, requestId);
  const [unsaved, setUnsaved] = useState<ReadonlySet<string>>(new Set());
  const onDirty = useCallback((fileId: string, dirty: boolean) => {
    setUnsaved((before) => {
      if (before.has(fileId) === dirty) return before;
      const next = new Set(before);
      if (dirty) next.add(fileId);
      else next.delete(fileId);
      return next;
    });
  }, []);

  return (
    <div className="request-page" aria-busy={loading} data-testid="request-page" data-request-id={requestId} data-answered={answered}>
      <p className="back-link">
        <a href={outputsHashOf()} data-testid="back-to-outputs">
          All release requests and released outputs
        </a>
      </p>
      <ErrorMessage testId="request-error" title="The release request could not be read" text={error}>
        <button type="button" className="button secondary" onClick={refresh}>
          Try again
        </button>
      </ErrorMessage>
      {detail === null ? (
        error === null ? (
          <p className="hint">Reading the release request…</p>
        ) : null
      ) : (
        <>
          <RequestHeader detail={detail} loading={loading} onRefresh={refresh} />
          {detail.state === 'RETURNED' && detail.myRole === 'author' ? <ReturnedNotice detail={detail} /> : null}
          <RequestContextPanel client={client} detail={detail} onChanged={replace} />
          <RequestFiles client={client} detail={detail} onChanged={replace} onDirty={onDirty} />
          {detail.actions.includes('edit') ? (
            <section className="panel" aria-label="Supporting file">
              <SupportingFileForm client={client} detail={detail} onChanged={replace} />
            </section>
          ) : null}
          <section className="panel" aria-labelledby="request-comments-heading" data-testid="request-comments">
            <h3 id="request-comments-heading">Comments on the whole request</h3>
            {commentsOn(detail.comments, null).length === 0 ? <p className="hint">None yet.</p> : null}
            <CommentList client={client} detail={detail} comments={commentsOn(detail.comments, null)} onChanged={replace} />
            {detail.actions.includes('comment') ? (
              <CommentForm
                client={client}
                detail={detail}
                fileId={null}
                cell={null}
                formId="request-comment"
                label="Add a comment"
                submitLabel="Post comment"
                onPosted={replace}
              />
            ) : null}
          </section>
          <RequestActions client={client} detail={detail} unsaved={[...unsaved]} onChanged={replace} />
          <RequestHistory detail={detail} />
        </>
      )}
    </div>
  );
}
