// "Save to drive" (issue 17): a local table of the project (or, given one, a query's result kept by the local engine)
// written as a CSV, Parquet or Arrow file into a folder of its drive, with progress and a Cancel. For a project on this
// computer's disk, the core's engine writes the file in its own folder and the core moves it whole into the drive's
// local folder, then syncs it; for a project kept in the window, the table is read here and uploaded straight to the
// platform (CSV or Arrow; the upload commits whole or not at all). A file of the same name is kept unless the person
// asks to replace it (the drive keeps the old one as a version); a name the drive refuses, or a file over the quota, is
// said clearly and nothing is written. Local analysis shows it in a dialog for the result on screen (bare: the dialog
// has the heading); a save still running when it goes (the dialog closed, the project left) is cancelled.
import { useEffect, useId, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { DriveNameSchema, type CallProgress, type DriveFileFormat, type LocalSource } from '../../../src/common/contract.ts';
import { drivePathProblem } from '../../../src/common/drives.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import type { ProjectEngine } from '../analysis/project-engines.ts';
import { formatBytes, formatRows } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { CallProgressLine } from './CallProgressLine.tsx';
import { childPath, fileNameFor, tableNameFor } from './drive-text.ts';
import { cleanFolder } from './save-words.ts';
import { uploadCondition } from './upload-condition.ts';
import { readLocalResult, tableToArrowFile, tableToCsv, uploadToDrive } from './window-files.ts';

const FORMATS: ReadonlyArray<{ value: DriveFileFormat; label: string }> = [
  { value: 'csv', label: 'CSV (any spreadsheet or statistics package)' },
  { value: 'parquet', label: 'Parquet (compact, keeps column types)' },
  { value: 'arrow', label: 'Arrow (Arrow IPC file)' },
];

/** The window's own save: the table read from its engine, written here, uploaded in chunks. */
async function saveFromWindow(options: {
  client: Client;
  projectId: string;
  engine: ProjectEngine['engine'];
  source: LocalSource;
  format: DriveFileFormat;
  folder: string;
  name: string;
  replace: boolean;
  signal: AbortSignal;
  onProgress: (progress: CallProgress) => void;
}): Promise<{ path: string; rows: number; bytes: number }> {
  const { client, projectId, format, folder, name, signal } = options;
  if (format === 'parquet') {
    throw new EnclaveError(
      'invalid_input',
      "This project's tables live in this window, whose engine cannot write Parquet files. Save it as CSV or Arrow. Nothing was saved.",
    );
  }
  const path = childPath(folder, name);
  // What is there now decides the upload's condition: nothing (only if it stays so), or the file the person replaces.
  const condition = await uploadCondition({ client, projectId, folder, name, replace: options.replace, signal });
  const stage = 'table' in options.source ? 'Reading the table' : 'Reading the result';
  options.onProgress({ done: 0, total: null, unit: 'rows', stage });
  const table = await readLocalResult({
    engine: options.engine,
    source: options.source,
    signal,
    onRows: (rows) => options.onProgress({ done: rows, total: null, unit: 'rows', stage }),
  });
  const bytes = format === 'csv' ? tableToCsv(table) : tableToArrowFile(table);
  await uploadToDrive({ client, projectId, path, bytes, condition, signal, onProgress: options.onProgress });
  return { path, rows: table.numRows, bytes: bytes.byteLength };
}

export function SaveToDrive(props: {
  client: Client;
  projectId: string;
  projectEngine: ProjectEngine | null;
  tables: readonly LocalTable[] | null;
  /** The folder the listing shows: the default place to save. */
  folder: string;
  /**
   * A query's result to save (the analysis screen's) instead of a table chosen here: its id, what it is called ("the
   * result of Query 1"), and the stem its file is offered (the label's, without it).
   */
  result?: { resultId: string; label: string; name?: string };
  /** Inside a dialog that has the heading already: the form alone. */
  bare?: boolean;
  onSaved: (path: string) => void;
}) {
  const { client, projectId, projectEngine, tables, result } = props;
  const ids = { title: useId(), table: useId(), format: useId(), folder: useId(), name: useId() };
  const [table, setTable] = useState(() => (result === undefined ? '' : tableNameFor(result.name ?? result.label)));
  const [format, setFormat] = useState<DriveFileFormat>('csv');
  const [folder, setFolder] = useState(props.folder);
  const [name, setName] = useState('');
  /** Whether the person typed the name (else it follows the table's). */
  const [named, setNamed] = useState(false);
  const [replace, setReplace] = useState(false);
  const [running, setRunning] = useState<AbortController | null>(null);
  const [progress, setProgress] = useState<CallProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const runningNow = useRef<AbortController | null>(null);
  runningNow.current = running;

  useEffect(() => setFolder(props.folder), [props.folder]);
  // Gone from the screen (its dialog closed, the project left): a save still running is cancelled, not left unseen.
  useEffect(() => () => runningNow.current?.abort(), []);
  // What the last save said is about that save: a change to the form clears it.
  useEffect(() => {
    setError(null);
    setNews(null);
  }, [table, format, folder, name, replace]);
  // The first table, once the tables are known; a name from the table's, in the format's extension.
  useEffect(() => {
    if (result === undefined && table === '' && tables !== null && tables.length > 0) setTable(tables[0].name);
  }, [tables, table, result]);
  // A name the person typed keeps its stem when the format changes; an untyped one follows the table.
  useEffect(() => {
    if (named) setName((current) => (current.trim() === '' ? current : fileNameFor(current, format)));
    else if (table !== '') setName(fileNameFor(table, format));
    // `named` is read, not followed: typing must not rewrite the name under the cursor.
  }, [table, format]);

  const fileName = name.trim() === '' ? '' : fileNameFor(name, format);
  const nameProblem = fileName === '' ? null : (DriveNameSchema.safeParse(fileName).error?.issues[0]?.message ?? null);
  const folderProblem = drivePathProblem(cleanFolder(folder));
  const windowMode = projectEngine?.mode === 'memory';
  const source: LocalSource = result === undefined ? { table } : { resultId: result.resultId };
  const what = result === undefined ? table : result.label;
  const noun = result === undefined ? 'table' : 'result';

  const save = (): void => {
    const controller = new AbortController();
    const into = cleanFolder(folder);
    setRunning(controller);
    setProgress(null);
    setError(null);
    setNews(null);
    const onProgress = (next: CallProgress): void => setProgress(next);
    const work =
      windowMode && projectEngine !== null
        ? saveFromWindow({
            client,
            projectId,
            engine: projectEngine.engine,
            source,
            format,
            folder: into,
            name: fileName,
            replace,
            signal: controller.signal,
            onProgress,
          })
        : client.invoke(
            'drive.saveResult',
            { projectId, source, format, folder: into, name: fileName, replace },
            { signal: controller.signal, onProgress },
          );
    work
      .then(
        (saved) => {
          setNews(`Saved ${what} as ${saved.path} (${formatRows(saved.rows)}, ${formatBytes(saved.bytes)}).`);
          props.onSaved(saved.path);
        },
        (err: unknown) => setError(messageOf(err, `The ${noun} was not saved. Nothing was written.`)),
      )
      .finally(() => setRunning(null));
  };

  return (
    // Bare, inside a dialog whose heading names it: no panel and no heading of its own.
    <section className={props.bare ? undefined : 'panel'} aria-labelledby={props.bare ? undefined : ids.title} data-testid="drive-save">
      {props.bare ? null : (
        <h2 id={ids.title}>{result === undefined ? 'Save a local table to the drive' : `Save ${result.label} to the drive`}</h2>
      )}
      {result === undefined && tables !== null && tables.length === 0 ? (
        <p className="hint" data-testid="drive-save-no-tables">
          This project has no local tables yet: load a sample or a query’s result first, then save it here.
        </p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <p className="hint">
            {windowMode
              ? `The ${noun} is read in this window and uploaded straight to the drive, as CSV or Arrow (this window’s engine cannot write Parquet); nothing of it is written to this computer’s disk.`
              : 'The local engine writes the file, which goes into the drive’s folder on this computer whole, then syncs.'}
          </p>
          <div className="controls">
            {result === undefined ? (
              <div className="field">
                <label htmlFor={ids.table}>Table</label>
                <select id={ids.table} value={table} onChange={(event) => setTable(event.target.value)} data-testid="drive-save-table">
                  {(tables ?? []).map((each) => (
                    <option key={each.name} value={each.name}>
                      {each.name} ({formatRows(each.rows)})
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            <div className="field">
              <label htmlFor={ids.format}>Format</label>
              <select
                id={ids.format}
                value={format}
                onChange={(event) => setFormat(event.target.value as DriveFileFormat)}
                data-testid="drive-save-format"
              >
                {FORMATS.map((each) => (
                  <option key={each.value} value={each.value} disabled={windowMode && each.value === 'parquet'}>
                    {windowMode && each.value === 'parquet' ? 'Parquet (not from this window: its engine cannot write it)' : each.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.folder}>Folder in the drive</label>
              <input
                id={ids.folder}
                value={folder}
                placeholder="(the drive’s top folder)"
                onChange={(event) => setFolder(event.target.value)}
                aria-invalid={folderProblem !== null}
                data-testid="drive-save-folder"
              />
            </div>
            <div className="field">
              <label htmlFor={ids.name}>File name</label>
              <input
                id={ids.name}
                value={name}
                onChange={(event) => {
                  setNamed(true);
                  setName(event.target.value);
                }}
                onBlur={() => setName((current) => (current.trim() === '' ? current : fileNameFor(current, format)))}
                aria-invalid={nameProblem !== null}
                aria-describedby={`${ids.name}-hint`}
                data-testid="drive-save-name"
              />
              <span className="hint" id={`${ids.name}-hint`} data-testid="drive-save-name-hint">
                {nameProblem !== null
                  ? `Not a name the drive takes: ${nameProblem}.`
                  : fileName === ''
                    ? ''
                    : `Saved as ${childPath(cleanFolder(folder), fileName)}`}
              </span>
            </div>
            <label className="choice-radio">
              <input
                type="checkbox"
                checked={replace}
                onChange={(event) => setReplace(event.target.checked)}
                data-testid="drive-save-replace"
              />
              <span>Replace a file of that name (the drive keeps the old one as a version)</span>
            </label>
          </div>
          <ErrorMessage testId="drive-save-error" title="Nothing was saved" text={error} />
          <div role="status">{news !== null ? <Notice kind="success" testId="drive-save-news" text={news} /> : null}</div>
          {running !== null ? (
            <CallProgressLine label={`Saving ${what}`} progress={progress} onCancel={() => running.abort()} testId="drive-save-progress" />
          ) : (
            <button
              type="submit"
              className="button"
              disabled={table === '' || fileName === '' || nameProblem !== null || folderProblem !== null}
              data-testid="drive-save-go"
            >
              Save to drive
            </button>
          )}
        </form>
      )}
    </section>
  );
}
