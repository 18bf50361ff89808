// The editor's tabs: open one, switch, rename (double-click or F2), move (drag, or Ctrl+Shift+Left/Right), close.
// Each tab is a button with its own close button beside it (not inside: a control inside a control is unreachable
// for many assistive technologies). The active tab's save state is shown, and read out when it fails. A tab that runs
// on the platform is marked as such (its colour, and in its accessible name).
import { useId, useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';
import { handledElsewhere } from '../../../src/common/detached.ts';
import type { EditorTab } from '../../../src/common/workspace.ts';
import type { SaveState } from './debounced-saver.ts';
import { titleProblem } from './tab-title.ts';

function saveText(state: SaveState | undefined): string {
  switch (state?.kind) {
    case 'pending':
    case 'saving':
      return 'Saving…';
    case 'failed':
      return 'Not saved';
    default:
      return 'Saved';
  }
}

export function EditorTabs(props: {
  tabs: readonly EditorTab[];
  activeTabId: string | null;
  saveState: SaveState | undefined;
  onActivate: (id: string) => void;
  onNew: () => void;
  onClose: (id: string) => void;
  /** Whether a tab holds any text: closing one that does asks first (its text goes with it). */
  hasText: (id: string) => boolean;
  /** Resolves when renamed; rejects with a message to show. */
  onRename: (id: string, title: string) => Promise<void>;
  onMove: (id: string, position: number) => void;
  /** Shown on the strip's line, before the save state (where the active tab runs). */
  children?: ReactNode;
}) {
  const { tabs, activeTabId } = props;
  const [renaming, setRenaming] = useState<{ id: string; title: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [closing, setClosing] = useState<EditorTab | null>(null);
  const dragged = useRef<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const hintId = useId();

  const focusTab = (id: string): void => {
    // After the move has re-rendered the strip.
    requestAnimationFrame(() => buttons.current.get(id)?.focus());
  };

  /** Back to the renamed tab once its rename is saved, unless the person has gone elsewhere meanwhile. */
  const refocusRenamed = (id: string): void => {
    requestAnimationFrame(() => {
      const active = document.activeElement;
      const lost = active === null || active === document.body || active.getAttribute('data-testid') === 'rename-tab-input';
      if (lost) buttons.current.get(id)?.focus();
    });
  };

  // Shows its own outcome (the problem line); never rejects. Enter and the blur that follows it commit once.
  const committing = useRef<string | null>(null);
  const commitRename = async (): Promise<void> => {
    if (!renaming || committing.current === renaming.id) return;
    const { id, title } = renaming;
    const tab = tabs.find((t) => t.id === id);
    const why = titleProblem(title);
    if (why !== null) {
      setProblem(why);
      return;
    }
    committing.current = id;
    try {
      if (tab && title.trim() !== tab.title) await props.onRename(id, title.trim());
    } catch (err) {
      setProblem(err instanceof Error ? err.message : 'The tab could not be renamed.');
      return;
    } finally {
      committing.current = null;
    }
    setProblem(null);
    // Another tab's rename may have begun meanwhile: that one stays open.
    setRenaming((current) => (current?.id === id ? null : current));
    refocusRenamed(id);
  };

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, tab: EditorTab, index: number): void => {
    if (event.key === 'F2') {
      event.preventDefault();
      setRenaming({ id: tab.id, title: tab.title });
      return;
    }
    if (event.ctrlKey && event.shiftKey && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
      event.preventDefault();
      const position = event.key === 'ArrowLeft' ? index - 1 : index + 1;
      if (position < 0 || position >= tabs.length) return;
      props.onMove(tab.id, position);
      focusTab(tab.id);
      return;
    }
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      // Arrows move between tabs without switching (Enter or Space switches).
      const next = tabs[(index + (event.key === 'ArrowLeft' ? tabs.length - 1 : 1)) % tabs.length];
      buttons.current.get(next.id)?.focus();
      event.preventDefault();
    }
  };

  const onDrop = (event: DragEvent<HTMLLIElement>, index: number): void => {
    event.preventDefault();
    const id = dragged.current;
    dragged.current = null;
    if (id === null) return;
    const from = tabs.findIndex((t) => t.id === id);
    if (from < 0 || from === index) return;
    props.onMove(id, index);
  };

  const saveState = props.saveState;
  return (
    <div className="editor-tabs">
      <ul className="tab-strip" aria-label="Editor tabs" data-testid="editor-tabs">
        {tabs.map((tab, index) => {
          const active = tab.id === activeTabId;
          const editing = renaming?.id === tab.id;
          return (
            <li
              key={tab.id}
              className={active ? 'editor-tab active' : 'editor-tab'}
              data-engine={tab.engine}
              draggable={!editing}
              onDragStart={(event) => {
                dragged.current = tab.id;
                event.dataTransfer.effectAllowed = 'move';
                event.dataTransfer.setData('text/plain', tab.title);
              }}
              onDragOver={(event) => {
                if (dragged.current !== null) event.preventDefault();
              }}
              onDrop={(event) => onDrop(event, index)}
              data-testid={`editor-tab-${index}`}
            >
              {editing ? (
                <input
                  className="tab-rename"
                  aria-label={`New name for ${tab.title}`}
                  value={renaming.title}
                  maxLength={200}
                  autoFocus
                  data-testid="rename-tab-input"
                  onChange={(event) => setRenaming({ id: tab.id, title: event.target.value })}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter') {
                      event.preventDefault();
                      handledElsewhere(commitRename());
                    } else if (event.key === 'Escape') {
                      event.preventDefault();
                      setRenaming(null);
                      setProblem(null);
                      focusTab(tab.id);
                    }
                  }}
                  onBlur={() => handledElsewhere(commitRename())}
                />
              ) : (
                <button
                  type="button"
                  className="tab-button"
                  aria-current={active ? 'true' : undefined}
                  aria-describedby={hintId}
                  aria-label={tab.engine === 'platform' ? `${tab.title} (platform query)` : undefined}
                  title={tab.engine === 'platform' ? 'Runs on the platform' : undefined}
                  ref={(element) => {
                    if (element) buttons.current.set(tab.id, element);
                    else buttons.current.delete(tab.id);
                  }}
                  onClick={() => props.onActivate(tab.id)}
                  onDoubleClick={() => setRenaming({ id: tab.id, title: tab.title })}
                  onKeyDown={(event) => onTabKey(event, tab, index)}
                  data-testid="tab-button"
                  data-tab-id={tab.id}
                >
                  {tab.title}
                </button>
              )}
              <button
                type="button"
                className="tab-close"
                aria-label={`Close ${tab.title}`}
                data-testid="close-tab"
                onClick={() => {
                  if (props.hasText(tab.id)) setClosing(tab);
                  else props.onClose(tab.id);
                }}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          );
        })}
      </ul>
      <button type="button" className="tab-new" data-testid="new-tab" onClick={props.onNew}>
        <span aria-hidden="true">+</span> New tab
      </button>
      <span id={hintId} className="visually-hidden">
        F2 renames the tab; Control Shift Left or Right moves it.
      </span>
      {props.children}
      <span className={saveState?.kind === 'failed' ? 'save-state failed' : 'save-state'} role="status" data-testid="tab-save-state">
        {activeTabId === null ? '' : saveText(saveState)}
      </span>
      <div role="alert" className="tab-confirm">
        {closing ? (
          <div className="inline-confirm" data-testid="close-tab-confirm">
            <span>Close “{closing.title}”? Its SQL goes with it (the history keeps what ran; save it as a query to keep it).</span>
            <button
              type="button"
              className="button warning small"
              data-testid="confirm-close-tab"
              onClick={() => {
                props.onClose(closing.id);
                setClosing(null);
              }}
            >
              Close the tab
            </button>
            <button
              type="button"
              className="button secondary small"
              data-testid="keep-tab"
              onClick={() => {
                setClosing(null);
                focusTab(closing.id);
              }}
            >
              Keep it
            </button>
          </div>
        ) : null}
      </div>
      <div role="alert" className="tab-problem" data-testid="tab-problem">
        {problem ?? (saveState?.kind === 'failed' ? `Your text is kept in this window but could not be saved: ${saveState.message}` : '')}
      </div>
    </div>
  );
}
