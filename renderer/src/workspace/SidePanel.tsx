// The workspace's left pane: the schema tree, the history and the saved queries, as WAI-ARIA tabs (arrows move
// between them, the panel follows). Only the chosen one is drawn; the others keep their state in the screen.
import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

export type SidePanelId = 'tables' | 'history' | 'saved';

const LABELS: Record<SidePanelId, string> = { tables: 'Tables', history: 'History', saved: 'Saved' };
const ORDER: SidePanelId[] = ['tables', 'history', 'saved'];

export function SidePanel(props: { current: SidePanelId; onChoose: (panel: SidePanelId) => void; children: ReactNode }) {
  const { current, onChoose } = props;
  const base = useId();
  const tabs = useRef(new Map<SidePanelId, HTMLButtonElement>());

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const index = ORDER.indexOf(current);
    const next =
      event.key === 'ArrowRight'
        ? ORDER[(index + 1) % ORDER.length]
        : event.key === 'ArrowLeft'
          ? ORDER[(index + ORDER.length - 1) % ORDER.length]
          : event.key === 'Home'
            ? ORDER[0]
            : event.key === 'End'
              ? ORDER[ORDER.length - 1]
              : null;
    if (next === null) return;
    event.preventDefault();
    onChoose(next);
    tabs.current.get(next)?.focus();
  };

  return (
    <>
      <div role="tablist" aria-label="Tables, history and saved queries" className="side-tabs" onKeyDown={onKeyDown}>
        {ORDER.map((panel) => (
          <button
            key={panel}
            type="button"
            role="tab"
            id={`${base}-${panel}-tab`}
            aria-selected={panel === current}
            aria-controls={`${base}-panel`}
            tabIndex={panel === current ? 0 : -1}
            className="side-tab"
            data-testid={`side-tab-${panel}`}
            ref={(element) => {
              if (element) tabs.current.set(panel, element);
              else tabs.current.delete(panel);
            }}
            onClick={() => onChoose(panel)}
          >
            {LABELS[panel]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-${current}-tab`} className="side-body" tabIndex={0}>
        {props.children}
      </div>
    </>
  );
}
