// A project's workspace as the screen holds it: opened from the core (workspace.open), with its editor tabs, saved
// queries and layout, and the operations on them. Every change goes to the core and the screen takes the core's
// answer, so what is shown is what was kept. Tab text is not here: the editor holds it, the saver keeps it.
import { useCallback, useEffect, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { handledElsewhere } from '../../../src/common/detached.ts';
import type { Workspace } from '../../../src/common/contract.ts';
import type { EditorTab, EditorTabs, Layout, QueryEngine, SavedQuery } from '../../../src/common/workspace.ts';
import { messageOf } from '../shell/message-of.ts';
import type { DebouncedSaver } from './debounced-saver.ts';
import { normaliseLayout, sameLayout } from './layout.ts';

/** The saver's key for a tab of a project: one saver serves the whole sign-in, across project switches. */
export function tabKey(projectId: string, tabId: string): string {
  return `${projectId}/${tabId}`;
}

export function parseTabKey(key: string): { projectId: string; tabId: string } {
  const slash = key.indexOf('/');
  return { projectId: key.slice(0, slash), tabId: key.slice(slash + 1) };
}

function byName(queries: SavedQuery[]): SavedQuery[] {
  const key = (query: SavedQuery): string => query.name.normalize('NFKC').toLocaleLowerCase('en-GB');
  return [...queries].sort((a, b) => key(a).localeCompare(key(b), 'en-GB') || a.id.localeCompare(b.id));
}

export type OpenState = { kind: 'opening' } | { kind: 'open'; workspace: Workspace } | { kind: 'failed'; message: string };

export interface ProjectWorkspace {
  open: OpenState;
  tabs: EditorTab[];
  activeTabId: string | null;
  saved: SavedQuery[];
  layout: Layout;
  notice: string | null;
  /** Something the last tab or query operation could not do, or null. */
  problem: string | null;
  reopen: () => void;
  /**
   * A new tab at the right-hand end, made active; with text (from the history or a saved query) if given, and the
   * engine it runs on (default local).
   */
  newTab: (initial?: { title?: string; sql?: string; engine?: QueryEngine }) => Promise<string | null>;
  activate: (id: string) => void;
  close: (id: string) => void;
  rename: (id: string, title: string) => Promise<void>;
  /** Where the tab's SQL runs: the local engine, or the platform. Kept with the tab. */
  setEngine: (id: string, engine: QueryEngine) => Promise<void>;
  move: (id: string, position: number) => void;
  saveQuery: (name: string, sql: string, engine: QueryEngine) => Promise<SavedQuery>;
  changeQuery: (change: { id: string; name?: string; sql?: string }) => Promise<SavedQuery>;
  deleteQuery: (id: string) => Promise<void>;
  setLayout: (layout: Layout) => void;
  dismissNotice: () => void;
}

export function useProjectWorkspace(options: {
  client: Client;
  projectId: string;
  tabSaver: DebouncedSaver<string>;
  layoutSaver: DebouncedSaver<Layout>;
  /** The latest text of a tab (the editor's, or what the saver still holds). */
  textOf: (tabId: string) => string;
}): ProjectWorkspace {
  const { client, projectId, tabSaver, layoutSaver, textOf } = options;
  const [open, setOpen] = useState<OpenState>({ kind: 'opening' });
  const [attempt, setAttempt] = useState(0);
  const [tabs, setTabs] = useState<EditorTabs>({ tabs: [], activeTabId: null });
  const [saved, setSaved] = useState<SavedQuery[]>([]);
  const [layout, setLayoutState] = useState<Layout>(normaliseLayout(null));
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const failed = useCallback((fallback: string) => (err: unknown) => setProblem(messageOf(err, fallback)), []);

  const createTab = useCallback(
    async (initial: { title?: string; sql?: string; engine?: QueryEngine } = {}): Promise<EditorTab> => {
      const tab = await client.invoke('workspace.saveTab', {
        projectId,
        tab: {
          id: crypto.randomUUID(),
          sql: initial.sql ?? '',
          ...(initial.title ? { title: initial.title } : {}),
          ...(initial.engine ? { engine: initial.engine } : {}),
        },
      });
      const answer = await client.invoke('workspace.activateTab', { projectId, tabId: tab.id });
      setTabs(answer);
      return tab;
    },
    [client, projectId],
  );

  useEffect(() => {
    let live = true;
    setOpen({ kind: 'opening' });
    // Every failure below is shown: the open's in `open`, a first tab's in `problem`. Saves still on their way (typed
    // just before a project switch, and back again) land first: read before them, the tabs would show the older text
    // once the save had gone and nothing would read them again. A save that fails keeps its text in the saver.
    const opening = tabSaver
      .flush()
      .then(() => (live ? client.invoke('workspace.open', { projectId }) : null))
      .then(
        async (workspace) => {
          if (!live || workspace === null) return;
          setSaved(byName(workspace.saved));
          setLayoutState(normaliseLayout(workspace.layout));
          setNotice(workspace.notice);
          setTabs(workspace.tabs);
          const { tabs: restored, activeTabId } = workspace.tabs;
          // A workspace always offers somewhere to type: its first tab, or the one it had active.
          if (restored.length === 0) await createTab().catch(failed('A new editor tab could not be opened.'));
          else if (activeTabId === null) setTabs({ tabs: restored, activeTabId: restored[0].id });
          if (live) setOpen({ kind: 'open', workspace });
        },
        (err: unknown) => live && setOpen({ kind: 'failed', message: messageOf(err, "This project's workspace could not be opened.") }),
      );
    handledElsewhere(opening);
    return () => {
      live = false;
    };
  }, [client, projectId, attempt, createTab, failed, tabSaver]);

  const newTab = async (initial?: { title?: string; sql?: string; engine?: QueryEngine }): Promise<string | null> => {
    setProblem(null);
    if (tabs.activeTabId !== null) await tabSaver.flush(tabKey(projectId, tabs.activeTabId));
    try {
      return (await createTab(initial)).id;
    } catch (err) {
      failed('A new editor tab could not be opened.')(err);
      return null;
    }
  };

  const activate = (id: string): void => {
    if (id === tabs.activeTabId) return;
    setProblem(null);
    const previous = tabs.activeTabId;
    setTabs((current) => ({ ...current, activeTabId: id }));
    // A flush's failure shows in the tab's save state (the saver's onState).
    if (previous !== null) handledElsewhere(tabSaver.flush(tabKey(projectId, previous)));
    client.invoke('workspace.activateTab', { projectId, tabId: id }).then(setTabs, failed('The tab could not be made active.'));
  };

  const close = (id: string): void => {
    setProblem(null);
    tabSaver.forget(tabKey(projectId, id));
    const closing = client.invoke('workspace.closeTab', { projectId, tabId: id }).then(async (answer) => {
      setTabs(answer);
      if (answer.tabs.length === 0) await createTab().catch(failed('A new editor tab could not be opened.'));
    }, failed('The tab could not be closed.'));
    handledElsewhere(closing);
  };

  const rename = async (id: string, title: string): Promise<void> => {
    const key = tabKey(projectId, id);
    // The text goes with the new title: the saver's own save of it must land first, never after.
    await tabSaver.flush(key);
    const tab = await client.invoke('workspace.saveTab', { projectId, tab: { id, sql: textOf(id), title } });
    setTabs((current) => ({ ...current, tabs: current.tabs.map((t) => (t.id === id ? tab : t)) }));
  };

  const setEngine = async (id: string, engine: QueryEngine): Promise<void> => {
    setProblem(null);
    const previous = tabs.tabs.find((t) => t.id === id)?.engine ?? 'local';
    const withEngine = (value: QueryEngine) => (current: EditorTabs) => ({
      ...current,
      tabs: current.tabs.map((t) => (t.id === id ? { ...t, engine: value } : t)),
    });
    // Shown at once; the core's answer then is what was kept (its text goes with it, after the saver's own save).
    setTabs(withEngine(engine));
    await tabSaver.flush(tabKey(projectId, id));
    try {
      const tab = await client.invoke('workspace.saveTab', { projectId, tab: { id, sql: textOf(id), engine } });
      setTabs((current) => ({ ...current, tabs: current.tabs.map((t) => (t.id === id ? tab : t)) }));
    } catch (err) {
      setTabs(withEngine(previous));
      failed('Where the tab runs could not be changed.')(err);
    }
  };

  const move = (id: string, position: number): void => {
    setProblem(null);
    // Moved at once on screen; the core's answer then says where every tab is.
    setTabs((current) => {
      const order = current.tabs.filter((t) => t.id !== id);
      const moved = current.tabs.find((t) => t.id === id);
      if (!moved) return current;
      order.splice(position, 0, moved);
      return { ...current, tabs: order.map((t, i) => ({ ...t, position: i })) };
    });
    client
      .invoke('workspace.moveTab', { projectId, move: { id, position } })
      .then((answer) => setTabs((current) => ({ ...answer, activeTabId: current.activeTabId })), failed('The tab could not be moved.'));
  };

  const saveQuery = async (name: string, sql: string, engine: QueryEngine): Promise<SavedQuery> => {
    const query = await client.invoke('workspace.saveQuery', { projectId, query: { name, sql, engine } });
    setSaved((current) => byName([...current, query]));
    return query;
  };

  const changeQuery = async (change: { id: string; name?: string; sql?: string }): Promise<SavedQuery> => {
    const query = await client.invoke('workspace.changeQuery', { projectId, change });
    setSaved((current) => byName(current.map((q) => (q.id === query.id ? query : q))));
    return query;
  };

  const deleteQuery = async (id: string): Promise<void> => {
    await client.invoke('workspace.deleteQuery', { projectId, id });
    setSaved((current) => current.filter((q) => q.id !== id));
  };

  const setLayout = (next: Layout): void => {
    if (sameLayout(next, layout)) return;
    setLayoutState(next);
    layoutSaver.change(projectId, next);
  };

  return {
    open,
    tabs: tabs.tabs,
    activeTabId: tabs.activeTabId,
    saved,
    layout,
    notice,
    problem,
    reopen: () => setAttempt((n) => n + 1),
    newTab,
    activate,
    close,
    rename,
    setEngine,
    move,
    saveQuery,
    changeQuery,
    deleteQuery,
    setLayout,
    dismissNotice: () => setNotice(null),
  };
}
