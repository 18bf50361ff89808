// One cell's whole value (the grid cuts long text): opened with Enter or a double click on a cell, closed with
// Escape. Copying from here counts as copying one cell, so a project that allows no copying gets nothing; dragging
// the text out is off.
import { useId, useRef, type ClipboardEvent } from 'react';
import type { ResultColumn } from './column-kind.ts';
import { formatCount } from '../shell/format.ts';
import { usePopoverDialog } from './use-popover-dialog.ts';

export interface CellViewerProps {
  column: ResultColumn;
  /** The row's number as the grid shows it (from 1). */
  rowNumber: number;
  /** The value as text (exact: copyText), or null for NULL. */
  text: string | null;
  clipboardCellLimit: number;
  onCopyRefused: (message: string) => void;
  onClose: () => void;
}

export function CellViewer(props: CellViewerProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useId();
  usePopoverDialog(dialog, props.onClose);

  const guardCopy = (event: ClipboardEvent): void => {
    if (props.clipboardCellLimit >= 1) return;
    event.preventDefault();
    props.onCopyRefused('This project does not allow copying from the grid: nothing was copied.');
  };

  return (
    <dialog
      ref={dialog}
      className="cell-viewer"
      aria-labelledby={heading}
      data-testid="cell-viewer"
      aria-modal="false"
      onCopy={guardCopy}
      onCut={guardCopy}
      onDragStart={(event) => event.preventDefault()}
    >
      <div className="column-menu-head">
        <h3 id={heading}>
          {props.column.name}, row {formatCount(props.rowNumber)} <span className="column-type">{props.column.type}</span>
        </h3>
        <button type="button" className="small-button" data-testid="cell-viewer-close" onClick={props.onClose}>
          Close
        </button>
      </div>
      {props.text === null ? (
        <p className="null-value">NULL</p>
      ) : (
        <textarea
          className="cell-text"
          readOnly
          value={props.text}
          aria-labelledby={heading}
          data-testid="cell-viewer-text"
          rows={Math.min(16, 2 + props.text.length / 80)}
        />
      )}
      <p className="hint">{props.text === null ? 'This cell has no value.' : `${formatCount(props.text.length)} characters.`}</p>
    </dialog>
  );
}
