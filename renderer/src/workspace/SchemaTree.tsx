// The project's local tables and their columns, as a WAI-ARIA tree: arrows move, Right opens a table, Left closes it
// or goes back to it, Enter (or a click on a name) puts the name into the editor at its cursor. One item is in the
// tab order at a time (roving tabindex), so Tab passes the tree in one step.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import { sqlName } from '../analysis/completion.ts';
import { formatRows } from '../shell/format.ts';
import { moveInTree, type TreeItem } from './tree-keys.ts';

export function SchemaTree(props: {
  tables: readonly LocalTable[] | null;
  /** Puts a name into the editor; `focusEditor` when the analyst clicked (a keyboard user stays in the tree). */
  onInsert: (text: string, focusEditor: boolean) => void;
}) {
  const { tables, onInsert } = props;
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [focused, setFocused] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const items = useRef(new Map<string, HTMLLIElement>());
  const moveFocus = useRef(false);

  const visible: TreeItem[] = [];
  for (const table of tables ?? []) {
    visible.push({ key: table.name, parent: null, expandable: true });
    if (expanded.has(table.name)) {
      for (const column of table.columns) visible.push({ key: `${table.name}\u0000${column.name}`, parent: table.name, expandable: false });
    }
  }
  const current = visible.some((item) => item.key === focused) ? focused : (visible[0]?.key ?? null);

  useEffect(() => {
    if (!moveFocus.current || current === null) return;
    moveFocus.current = false;
    items.current.get(current)?.focus();
  }, [current]);

  const toggle = (table: string): void =>
    setExpanded((open) => {
      const next = new Set(open);
      if (!next.delete(table)) next.add(table);
      return next;
    });

  const insert = (key: string, focusEditor: boolean): void => {
    const [table, column] = key.split('\u0000');
    const text = sqlName(column ?? table);
    onInsert(text, focusEditor);
    setAnnounce(`Inserted ${text} into the editor.`);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>): void => {
    if (current === null) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      insert(current, false);
      return;
    }
    const move = moveInTree({ items: visible, current, expanded, key: event.key });
    if (move === null) return;
    event.preventDefault();
    if (move.toggle) toggle(move.toggle);
    if (move.focus !== current) {
      moveFocus.current = true;
      setFocused(move.focus);
    }
  };

  if (tables === null) return <p className="hint pane-padding">Reading the local tables…</p>;
  if (tables.length === 0) {
    return (
      <p className="hint pane-padding" data-testid="no-local-tables">
        No local tables yet. Open a sample from the catalogue, or create one with <code>CREATE TABLE … AS</code>.
      </p>
    );
  }
  return (
    <>
      <ul role="tree" aria-label="Local tables and their columns" className="schema-tree" data-testid="schema-tree" onKeyDown={onKeyDown}>
        {tables.map((table) => {
          const open = expanded.has(table.name);
          return (
            <li
              key={table.name}
              role="treeitem"
              aria-expanded={open}
              aria-level={1}
              aria-selected={current === table.name}
              tabIndex={current === table.name ? 0 : -1}
              ref={(element) => {
                if (element) items.current.set(table.name, element);
                else items.current.delete(table.name);
              }}
              onFocus={(event) => {
                if (event.target === event.currentTarget) setFocused(table.name);
              }}
              className="tree-item"
              data-testid={`local-table-${table.name}`}
            >
              <span className="tree-row">
                <span
                  className={open ? 'twisty open' : 'twisty'}
                  aria-hidden="true"
                  data-testid={`toggle-table-${table.name}`}
                  onClick={() => toggle(table.name)}
                />
                <span className="tree-name" title={table.name} onClick={() => insert(table.name, true)}>
                  {table.name}
                </span>
                <span className="tree-meta">{formatRows(table.rows)}</span>
              </span>
              {open ? (
                <ul role="group">
                  {table.columns.map((column) => {
                    const key = `${table.name}\u0000${column.name}`;
                    return (
                      <li
                        key={key}
                        role="treeitem"
                        aria-level={2}
                        aria-selected={current === key}
                        tabIndex={current === key ? 0 : -1}
                        ref={(element) => {
                          if (element) items.current.set(key, element);
                          else items.current.delete(key);
                        }}
                        onFocus={(event) => {
                          event.stopPropagation();
                          setFocused(key);
                        }}
                        className="tree-item column"
                        data-testid={`local-column-${table.name}-${column.name}`}
                      >
                        <span className="tree-row">
                          <span className="tree-name" title={`${column.name} (${column.type})`} onClick={() => insert(key, true)}>
                            {column.name}
                          </span>
                          <span className="tree-meta mono">{column.type}</span>
                        </span>
                      </li>
                    );
                  })}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
      <span className="visually-hidden" role="status">
        {announce}
      </span>
    </>
  );
}
