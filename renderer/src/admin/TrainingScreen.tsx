// The administrators' training screen (issue 18, #/admin/training): the courses each role needs, every person's courses
// for the roles they hold and whether each is valid today (or expires within 30 days, has expired, or was never
// recorded), and recording a completed course. A role whose training has lapsed is refused by the platform, with the
// course named, until a new record is made here.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { ROLE_LABELS, ROLES, type Person, type Role } from '../../../src/common/people.ts';
import type { TrainingOverview, TrainingRecord } from '../../../src/common/terms.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { personHashOf } from './admin-screens.ts';
import {
  allCourses,
  COURSE_STATE_BADGES,
  COURSE_STATE_LABELS,
  EMPTY_RECORD_FORM,
  readCourseList,
  readRecordForm,
  trainingRows,
  type RecordForm,
} from './training-text.ts';
import { useAdminRead } from './use-admin-read.ts';
import './admin.css';
import './incidents.css';
import './people.css';

interface TrainingData {
  readonly training: TrainingOverview;
  readonly people: readonly Person[];
}

function RoleCourses(props: { client: Client; role: Role; courses: readonly string[]; onSaved: () => void }) {
  const { client, role, courses, onSaved } = props;
  const saved = courses.join('\n');
  const [text, setText] = useState(saved);
  const [news, setNews] = useState<string | null>(null);
  const { busy, error, setError, send } = useSubmission();
  // A new list from the platform (after a save) replaces what is shown.
  useEffect(() => setText(saved), [saved]);

  const save = (event: FormEvent): void => {
    event.preventDefault();
    setNews(null);
    const reading = readCourseList(text);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    send(
      () => client.invoke('admin.setTrainingRequirements', { role, courses: reading.value }),
      () => {
        setNews(reading.value.length === 0 ? 'Saved: the role needs no course.' : `Saved: ${reading.value.join(', ')}.`);
        onSaved();
      },
      'The courses could not be saved.',
    );
  };

  const id = `courses-${role}`;
  return (
    <form className="role-courses" onSubmit={save} aria-labelledby={`${id}-label`} data-testid={`role-courses-${role}`}>
      <div className="field">
        <label htmlFor={id} id={`${id}-label`}>
          {ROLE_LABELS[role]}
        </label>
        <textarea
          id={id}
          rows={3}
          maxLength={2200}
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-describedby="courses-hint"
          data-testid={`role-courses-${role}-text`}
        />
      </div>
      <ErrorMessage testId={`role-courses-${role}-error`} title="Not saved" text={error} />
      <div className="form-actions">
        <button type="submit" className="button secondary" disabled={busy || text === saved} data-testid={`role-courses-${role}-save`}>
          {busy ? 'Saving…' : `Save ${ROLE_LABELS[role]} courses`}
        </button>
        <span role="status" className="hint" data-testid={`role-courses-${role}-news`}>
          {news}
        </span>
      </div>
    </form>
  );
}

function RecordTrainingForm(props: {
  client: Client;
  people: readonly Person[];
  courses: readonly string[];
  onRecorded: (record: TrainingRecord) => void;
}) {
  const { client, people, courses, onRecorded } = props;
  const [form, setForm] = useState<RecordForm>(EMPTY_RECORD_FORM);
  const { busy, error, setError, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readRecordForm(form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    send(
      () => client.invoke('admin.recordTraining', { record: reading.value }),
      (record) => {
        setForm(EMPTY_RECORD_FORM);
        onRecorded(record);
      },
      'The training could not be recorded.',
    );
  };

  const field = (key: keyof RecordForm) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm((current) => ({ ...current, [key]: event.target.value })),
  });

  return (
    <form className="action-form" aria-labelledby="record-training-heading" onSubmit={submit} noValidate data-testid="record-training-form">
      <h2 id="record-training-heading">Record a completed course</h2>
      <div className="field">
        <label htmlFor="record-person">Person</label>
        <select id="record-person" data-testid="record-person" {...field('userId')}>
          <option value="">Choose…</option>
          {people
            .filter((person) => person.status !== 'disabled')
            .map((person) => (
              <option key={person.id} value={person.id}>
                {person.displayName} ({person.id})
              </option>
            ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="record-course">Course</label>
        <input
          id="record-course"
          type="text"
          autoComplete="off"
          maxLength={100}
          list="record-course-suggestions"
          data-testid="record-course"
          {...field('course')}
        />
        <datalist id="record-course-suggestions">
          {courses.map((course) => (
            <option key={course} value={course} />
          ))}
        </datalist>
      </div>
      <div className="controls">
        <div className="field">
          <label htmlFor="record-completed">Completed</label>
          <input id="record-completed" type="date" data-testid="record-completed" {...field('completed')} />
        </div>
        <div className="field">
          <label htmlFor="record-expires">Expires</label>
          <input id="record-expires" type="date" data-testid="record-expires" {...field('expires')} />
        </div>
      </div>
      <div className="field">
        <label htmlFor="record-evidence">Evidence (a certificate number, or the learning system’s record)</label>
        <input id="record-evidence" type="text" autoComplete="off" maxLength={500} data-testid="record-evidence" {...field('evidence')} />
      </div>
      <ErrorMessage testId="record-training-error" title="The training was not recorded" text={error} />
      <button type="submit" className="button" disabled={busy} data-testid="record-training-submit">
        {busy ? 'Recording…' : 'Record'}
      </button>
    </form>
  );
}

export function TrainingScreen(props: { client: Client; shown: boolean }) {
  const { client, shown } = props;
  const read = useCallback(async (): Promise<TrainingData> => {
    const [training, overview] = await Promise.all([client.invoke('admin.training', {}), client.invoke('admin.people', {})]);
    return { training, people: overview.people };
  }, [client]);
  const data = useAdminRead(read, 'The training could not be read.', shown);
  const [recorded, setRecorded] = useState<string | null>(null);
  const training = data.value?.training ?? null;
  const people = data.value?.people ?? [];
  const names = new Map(people.map((person) => [person.id, person.displayName]));
  const rows = training === null ? [] : trainingRows(training, people);
  const requirementOf = (role: Role): readonly string[] => training?.requirements.find((entry) => entry.role === role)?.courses ?? [];

  return (
    <div className="training-screen" aria-busy={data.loading} data-testid="training-screen" data-answered={data.answered}>
      <ErrorMessage testId="training-error" title="The training could not be read" text={data.error}>
        <button type="button" className="button secondary" onClick={data.refresh}>
          Try again
        </button>
      </ErrorMessage>
      {training === null ? (
        data.error === null ? (
          <p className="hint">Reading the training…</p>
        ) : null
      ) : (
        <div className="training-grid">
          <section className="panel" aria-labelledby="training-people-heading" data-testid="training-people">
            <div className="panel-top">
              <h2 id="training-people-heading">Everybody’s training</h2>
              <button type="button" className="button secondary" disabled={data.loading} onClick={data.refresh}>
                {data.loading ? 'Reading…' : 'Read again'}
              </button>
            </div>
            <p className="hint">
              Each person’s required courses for the roles they hold, judged today: the ones that need attention first. A role whose course
              has expired or is missing is refused by the platform until a new record is made.
            </p>
            <div role="status">{recorded ? <Notice kind="success" testId="training-recorded" text={recorded} /> : null}</div>
            {rows.length === 0 ? (
              <p className="hint">No role anybody holds needs a course.</p>
            ) : (
              <div className="table-wrap">
                <table className="fields training-table" data-testid="training-table">
                  <caption className="visually-hidden">Everybody’s required courses, those needing attention first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Person</th>
                      <th scope="col">Role</th>
                      <th scope="col">Course</th>
                      <th scope="col">Expires</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => (
                      <tr
                        key={`${row.userId}:${row.role}:${row.course}`}
                        data-testid="training-row"
                        data-user-id={row.userId}
                        data-role={row.role}
                        data-course={row.course}
                      >
                        <th scope="row">
                          <a href={personHashOf(row.userId)}>{row.name}</a>
                        </th>
                        <td>{ROLE_LABELS[row.role]}</td>
                        <td>{row.course}</td>
                        <td className="audit-time">{row.expires ?? <span className="hint">Never completed</span>}</td>
                        <td>
                          <span className={`badge status ${COURSE_STATE_BADGES[row.state]}`} data-testid="training-row-state">
                            {COURSE_STATE_LABELS[row.state]}
                          </span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <div className="training-side">
            <section className="panel">
              <RecordTrainingForm
                client={client}
                people={people}
                courses={allCourses(training.requirements)}
                onRecorded={(record) => {
                  setRecorded(
                    `Recorded: ${names.get(record.userId) ?? record.userId} completed ${record.course} on ${record.completed}; it expires on ${record.expires}.`,
                  );
                  data.refresh();
                }}
              />
            </section>
            <section className="panel" aria-labelledby="requirements-heading" data-testid="training-requirements">
              <h2 id="requirements-heading">Courses each role needs</h2>
              <p className="hint" id="courses-hint">
                One course a line, named exactly as records name it. Saving takes effect at once for everybody with the role, administrators
                included: record the course for those who have it before requiring it, or they are refused.
              </p>
              {ROLES.map((role) => (
                <RoleCourses key={role} client={client} role={role} courses={requirementOf(role)} onSaved={data.refresh} />
              ))}
            </section>
          </div>
        </div>
      )}
    </div>
  );
}
