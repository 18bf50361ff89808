// "Save chart to drive" (issue 17): the chart Local analysis drew, as an SVG image (Plotly's own SVG export, which runs
// under the window's strict CSP: no canvas, no script), uploaded straight to a folder of the project's drive, in both
// kinds of project: a 'disk' project's local folder gets it from the platform at the next sync; a window project's never
// touches this computer's disk. The upload commits whole or not at all, under the condition the folder's listing gives
// (a file of that name is kept unless the person asks to replace it); a refusal is said clearly and nothing is written.
// The chart panel shows SaveChartButton: the button, and the dialog it opens (focus back on the button when it closes).
import { useEffect, useId, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { DriveNameSchema, type CallProgress } from '../../../src/common/contract.ts';
import { drivePathProblem } from '../../../src/common/drives.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalMode } from '../../../src/common/local-engine.ts';
import { formatBytes } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { CallProgressLine } from './CallProgressLine.tsx';
import { childPath } from './drive-text.ts';
import { DriveSaveDialog } from './DriveSaveDialog.tsx';
import { chartSaveHint, cleanFolder, folderOf, svgFileName } from './save-words.ts';
import { uploadCondition } from './upload-condition.ts';
import { uploadToDrive } from './window-files.ts';

export function SaveChartToDrive(props: {
  client: Client;
  projectId: string;
  /** Where the project's local data lives (what the form says of where the chart goes). */
  mode: LocalMode | null;
  /** The folder offered first, and the file name's stem. */
  folder: string;
  name: string;
  /** Whether a chart is drawn now (a chart being drawn, or none, cannot be saved). */
  ready: boolean;
  /** The chart as it is drawn now, as an SVG file's bytes. */
  svg: () => Promise<Uint8Array>;
  onSaved: (path: string) => void;
}) {
  const { client, projectId } = props;
  const ids = { folder: useId(), name: useId() };
  const [folder, setFolder] = useState(props.folder);
  const [name, setName] = useState(() => svgFileName(props.name));
  const [replace, setReplace] = useState(false);
  const [running, setRunning] = useState<AbortController | null>(null);
  const [progress, setProgress] = useState<CallProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const runningNow = useRef<AbortController | null>(null);
  runningNow.current = running;

  // Gone from the screen (its dialog closed, a new result): a save still running is cancelled, not left unseen.
  useEffect(() => () => runningNow.current?.abort(), []);
  // What the last save said is about that save: a change to the form clears it.
  useEffect(() => {
    setError(null);
    setNews(null);
  }, [folder, name, replace]);

  const fileName = svgFileName(name);
  const nameProblem = fileName === '' ? null : (DriveNameSchema.safeParse(fileName).error?.issues[0]?.message ?? null);
  const into = cleanFolder(folder);
  const folderProblem = drivePathProblem(into);

  const save = async (signal: AbortSignal): Promise<{ path: string; bytes: number }> => {
    const path = childPath(into, fileName);
    // What is there now decides the upload's condition, asked before the image is made.
    const condition = await uploadCondition({ client, projectId, folder: into, name: fileName, replace, signal });
    setProgress({ done: 0, total: null, unit: 'steps', stage: 'Making the SVG image' });
    const bytes = await props.svg();
    if (signal.aborted) throw new EnclaveError('cancelled', 'The save was cancelled. Nothing was saved.');
    await uploadToDrive({ client, projectId, path, bytes, condition, signal, onProgress: setProgress });
    return { path, bytes: bytes.byteLength };
  };

  const start = (): void => {
    const controller = new AbortController();
    setRunning(controller);
    setProgress(null);
    setError(null);
    setNews(null);
    save(controller.signal)
      .then(
        (saved) => {
          setNews(`Saved the chart as ${saved.path} (${formatBytes(saved.bytes)}).`);
          props.onSaved(saved.path);
        },
        (err: unknown) => setError(messageOf(err, 'The chart was not saved. Nothing was written.')),
      )
      .finally(() => setRunning(null));
  };

  return (
    <form
      data-testid="chart-drive-save-form"
      onSubmit={(event) => {
        event.preventDefault();
        start();
      }}
    >
      <p className="hint">{chartSaveHint(props.mode)}</p>
      <div className="controls">
        <div className="field">
          <label htmlFor={ids.folder}>Folder in the drive</label>
          <input
            id={ids.folder}
            value={folder}
            placeholder="(the drive’s top folder)"
            onChange={(event) => setFolder(event.target.value)}
            aria-invalid={folderProblem !== null}
            data-testid="chart-save-folder"
          />
        </div>
        <div className="field">
          <label htmlFor={ids.name}>File name</label>
          <input
            id={ids.name}
            value={name}
            onChange={(event) => setName(event.target.value)}
            onBlur={() => setName((current) => svgFileName(current))}
            aria-invalid={nameProblem !== null}
            aria-describedby={`${ids.name}-hint`}
            data-testid="chart-save-name"
          />
          <span className="hint" id={`${ids.name}-hint`} data-testid="chart-save-name-hint">
            {nameProblem !== null
              ? `Not a name the drive takes: ${nameProblem}.`
              : fileName === ''
                ? ''
                : `Saved as ${childPath(into, fileName)}`}
          </span>
        </div>
        <label className="choice-radio">
          <input
            type="checkbox"
            checked={replace}
            onChange={(event) => setReplace(event.target.checked)}
            data-testid="chart-save-replace"
          />
          <span>Replace a file of that name (the drive keeps the old one as a version)</span>
        </label>
      </div>
      <ErrorMessage testId="chart-save-error" title="Nothing was saved" text={error} />
      <div role="status">{news !== null ? <Notice kind="success" testId="chart-save-news" text={news} /> : null}</div>
      {running !== null ? (
        <CallProgressLine label="Saving the chart" progress={progress} onCancel={() => running.abort()} testId="chart-save-progress" />
      ) : (
        <>
          {props.ready ? null : (
            <p className="hint" data-testid="chart-save-not-ready">
              The chart is not drawn now: draw it, then save it.
            </p>
          )}
          <button
            type="submit"
            className="button"
            disabled={!props.ready || fileName === '' || nameProblem !== null || folderProblem !== null}
            data-testid="chart-save-go"
          >
            Save to drive
          </button>
        </>
      )}
    </form>
  );
}

/**
 * "Save to drive" in the chart's head (the chart's section names it; "Save chart to drive" would wrap the head onto a
 * second line at 1366x768), and its dialog.
 */
export function SaveChartButton(props: {
  drive: { client: Client; projectId: string; mode: LocalMode };
  /** Whether a chart is drawn now. */
  ready: boolean;
  /** The file name's stem offered. */
  name: string;
  svg: () => Promise<Uint8Array>;
}) {
  const [open, setOpen] = useState(false);
  /** The folder the save offers (the last save's), and the path of the last save from here. */
  const [folder, setFolder] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const close = (): void => {
    setOpen(false);
    requestAnimationFrame(() => button.current?.focus());
  };
  return (
    <>
      <button
        type="button"
        className="small-button"
        ref={button}
        aria-expanded={open}
        disabled={!props.ready}
        data-testid="chart-save-to-drive"
        onClick={() => {
          // The last save's folder is offered again (read here: changing it under a save's news would clear it).
          if (saved !== null) setFolder(folderOf(saved));
          setSaved(null);
          setOpen(true);
        }}
      >
        Save to drive
      </button>
      {open ? (
        <DriveSaveDialog title="Save the chart to the drive" testId="chart-drive-save" side="left" saved={saved} onClose={close}>
          <SaveChartToDrive
            client={props.drive.client}
            projectId={props.drive.projectId}
            mode={props.drive.mode}
            folder={folder}
            name={props.name}
            ready={props.ready}
            svg={props.svg}
            onSaved={setSaved}
          />
        </DriveSaveDialog>
      ) : null}
    </>
  );
}
