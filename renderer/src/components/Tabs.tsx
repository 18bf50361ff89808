// Accessible tabs (WAI-ARIA tabs pattern): arrow keys move between tabs, Tab moves into the panel.
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec<K extends string> {
  key: K;
  label: string;
}

export function Tabs<K extends string>(props: { label: string; tabs: TabSpec<K>[]; selected: K; onSelect: (key: K) => void; idPrefix: string }) {
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number): void => {
    const last = props.tabs.length - 1;
    const next =
      event.key === 'ArrowRight' ? (index === last ? 0 : index + 1)
      : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1)
      : event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : null;
    if (next === null) return;
    event.preventDefault();
    const key = props.tabs[next].key;
    props.onSelect(key);
    refs.current.get(key)?.focus();
  };
  return (
    <div role="tablist" aria-label={props.label} className="tabs">
      {props.tabs.map((tab, index) => (
        <button
          key={tab.key}
          ref={(el) => {
            if (el) refs.current.set(tab.key, el);
            else refs.current.delete(tab.key);
          }}
          type="button"
          role="tab"
          className="tab"
          id={`${props.idPrefix}-tab-${tab.key}`}
          aria-selected={tab.key === props.selected}
          aria-controls={`${props.idPrefix}-panel-${tab.key}`}
          tabIndex={tab.key === props.selected ? 0 : -1}
          data-testid={`tab-${tab.key}`}
          onClick={() => props.onSelect(tab.key)}
          onKeyDown={(event) => onKeyDown(event, index)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel(props: { idPrefix: string; tabKey: string; selected: boolean; children: ReactNode }) {
  // Panels stay mounted when hidden, so the editor, grid and chart keep their state.
  return (
    <div
      role="tabpanel"
      id={`${props.idPrefix}-panel-${props.tabKey}`}
      aria-labelledby={`${props.idPrefix}-tab-${props.tabKey}`}
      hidden={!props.selected}
      data-testid={`panel-${props.tabKey}`}
    >
      {props.children}
    </div>
  );
}
