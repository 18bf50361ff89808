// One version of a project's data-sharing agreement, read-only, as its members and the administrators read it: where
// it stands, its purpose and legal basis, its dates and limits, its members with their standing, and who may see what
// (per dataset, each field's treatment in the catalogue's words, and which rows). The caller gives the heading above.
import type { AgreementDatasetView, AgreementStatus, AgreementView, MemberStanding } from '../../../src/common/agreement-views.ts';
import { formatCount, formatRows } from '../shell/format.ts';
import './agreement.css';

export const STATUS_LABELS: Readonly<Record<AgreementStatus, string>> = {
  in_force: 'In force',
  not_started: 'Not yet in force',
  expired: 'Expired',
  no_dpia: 'No DPIA: cannot start',
  refused: 'File refused',
};

const ROLE_LABELS: Readonly<Record<AgreementView['members'][number]['role'], string>> = {
  lead: 'Lead',
  analyst: 'Analyst',
  data_manager: 'Data manager',
};

const MEMBER_BADGES: Readonly<Record<MemberStanding, string>> = {
  in_force: 'good',
  not_started: 'pending',
  ended: 'over',
  training_lapsed: 'bad',
};

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** A badge class per agreement status: in force, pending, or refused in some way. */
export function statusBadge(status: AgreementStatus): string {
  if (status === 'in_force') return 'good';
  if (status === 'not_started') return 'pending';
  return 'bad';
}

function DatasetRules(props: { dataset: AgreementDatasetView; optOutApplies: boolean }) {
  const { dataset } = props;
  const unavailable = dataset.fields.filter((field) => !field.available).length;
  return (
    <section
      className="agreement-dataset"
      aria-labelledby={`agreement-dataset-${dataset.id}`}
      data-testid={`agreement-dataset-${dataset.id}`}
    >
      <h4 id={`agreement-dataset-${dataset.id}`}>
        {dataset.name} <code>{dataset.id}</code>
      </h4>
      <p className="hint">
        {formatCount(dataset.fields.length - unavailable)} of {formatCount(dataset.fields.length)} fields available
      </p>
      <ul className="row-conditions" aria-label={`Rows of ${dataset.name} this project sees`} data-testid="row-conditions">
        {dataset.rowConditions.length === 0 ? (
          <li>{props.optOutApplies ? 'Every row, less the patients who opted out.' : 'Every row.'}</li>
        ) : (
          dataset.rowConditions.map((condition) => <li key={condition}>{condition}</li>)
        )}
      </ul>
      <table className="fields agreement-fields">
        <caption className="visually-hidden">What this project sees of each field of {dataset.name}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">What the project sees</th>
          </tr>
        </thead>
        <tbody>
          {dataset.fields.map((field) => (
            <tr
              key={field.name}
              className={field.available ? undefined : 'unavailable'}
              data-testid={`agreement-field-${dataset.id}-${field.name}`}
            >
              <td>
                <code>{field.name}</code>
              </td>
              <td>
                {field.available ? (
                  <span className="treatment">{field.treatment}</span>
                ) : (
                  <span className="badge not-available">Not available to this project</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function AgreementDetails(props: { agreement: AgreementView }) {
  const { agreement } = props;
  const { legalBasis } = agreement;
  return (
    <div className="agreement" data-testid="agreement-details" data-project={agreement.projectId}>
      <p className="agreement-standing">
        <span className={`badge status ${statusBadge(agreement.status)}`} data-testid="agreement-status">
          {STATUS_LABELS[agreement.status]}
        </span>{' '}
        <span data-testid="agreement-status-text">{agreement.statusText}</span>{' '}
        <span className="hint" data-testid="agreement-version">
          Version {agreement.version}
        </span>
      </p>
      <dl className="facts agreement-facts" data-testid="agreement-facts">
        <dt>Project</dt>
        <dd>
          {agreement.projectName} <code>{agreement.projectId}</code>
        </dd>
        <dt>Purpose</dt>
        <dd>{agreement.purpose}</dd>
        <dt>Legal basis</dt>
        <dd>
          {capitalised(legalBasis.label)}: {legalBasis.reference}
          {legalBasis.allowsMoreThanDefaults ? ' (allows more than the policy’s default treatments)' : ''}
        </dd>
        <dt>National data opt-out</dt>
        <dd data-testid="agreement-opt-out">{agreement.nationalDataOptOut.text}</dd>
        <dt>DPIA reference</dt>
        <dd>{agreement.dpiaReference ?? 'None: the project cannot start until it has one.'}</dd>
        <dt>In force</dt>
        <dd>
          From {agreement.start} to {agreement.expires} (inclusive)
        </dd>
        <dt>Reference date</dt>
        <dd>{agreement.referenceDate} (ages and age bands are computed on it)</dd>
        <dt>Row cap</dt>
        <dd>{formatRows(agreement.rowCap)} at most per query</dd>
      </dl>

      <h3>Members</h3>
      {agreement.members.length === 0 ? (
        <p className="hint">Nobody is a member of this project.</p>
      ) : (
        <div className="table-wrap">
          <table className="fields agreement-members" data-testid="agreement-members">
            <caption className="visually-hidden">Members of {agreement.projectName}</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">Member from</th>
                <th scope="col">Until</th>
                <th scope="col">Training valid until</th>
                <th scope="col">May request releases</th>
                <th scope="col">Standing</th>
              </tr>
            </thead>
            <tbody>
              {agreement.members.map((member) => (
                <tr key={member.userId} data-testid={`agreement-member-${member.userId}`}>
                  <th scope="row">
                    {member.displayName ?? 'Unknown to the platform'}
                    <code className="member-id">{member.userId}</code>
                  </th>
                  <td>{ROLE_LABELS[member.role]}</td>
                  <td className="day">{member.start}</td>
                  <td className="day">{member.end}</td>
                  <td className="day">{member.trainingExpires}</td>
                  <td>{member.mayRequestRelease ? 'Yes' : 'No'}</td>
                  <td>
                    <span className={`badge status ${MEMBER_BADGES[member.standing]}`} data-testid="member-standing">
                      {member.standingText}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Who may see what</h3>
      <p className="hint">
        Each field as this project sees it (the policy’s default, or the agreement’s own treatment), and which rows of each dataset.
      </p>
      <div className="agreement-datasets">
        {agreement.datasets.map((dataset) => (
          <DatasetRules key={dataset.id} dataset={dataset} optOutApplies={agreement.nationalDataOptOut.applies} />
        ))}
      </div>
    </div>
  );
}
