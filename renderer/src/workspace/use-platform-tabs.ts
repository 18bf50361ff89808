// What the workspace keeps for its platform tabs: the project's relations for completion (from the catalogue), and each
// tab's destination table.
import { useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Catalogue } from '../../../src/common/contract.ts';
import { bestEffort } from '../../../src/common/detached.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import type { QueryEngine } from '../../../src/common/workspace.ts';
import type { CompletionTable } from '../analysis/completion.ts';
import { defaultTableName, platformRelations } from '../analysis/platform-query.ts';

/**
 * The project's relations on the platform, with the columns it may read and their treatments, for completing a
 * platform query (the catalogue's answer for this project). Without it, completion offers SQL keywords only.
 */
export function usePlatformRelations(client: Client, projectId: string): { tables: readonly CompletionTable[]; placeholder: string } {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  useEffect(() => {
    let live = true;
    // The catalogue screen says why it cannot be read; here completion just goes without it.
    bestEffort(
      client.invoke('catalogue.get', { projectId }).then((answer) => {
        if (live) setCatalogue(answer);
      }),
    );
    return () => {
      live = false;
    };
  }, [client, projectId]);
  // One array per catalogue answer, so the editor is not told of changes that are not there.
  const made = useRef<{ catalogue: Catalogue | null; tables: readonly CompletionTable[] }>({ catalogue: null, tables: [] });
  if (made.current.catalogue !== catalogue) made.current = { catalogue, tables: platformRelations(catalogue) };
  const tables = made.current.tables;
  const names = tables.map((table) => table.name);
  const placeholder =
    names.length === 0
      ? 'SELECT … FROM the project’s datasets (one SELECT; its result becomes a local table)'
      : `SELECT … FROM ${names.slice(0, 3).join(', ')}${names.length > 3 ? ' …' : ''} (one SELECT; its result becomes a local table)`;
  return { tables, placeholder };
}

/**
 * Each platform tab's destination table: result_1, result_2 … unless the analyst names another. A tab's default is
 * chosen once (when it is first a platform tab with the tables known) and kept, so a run does not move it on.
 */
export function useDestinations(options: {
  tables: readonly LocalTable[] | null;
  tabs: readonly { id: string; engine: QueryEngine }[];
  activeTabId: string | null;
  activeEngine: QueryEngine;
}): { of: (tabId: string) => string; set: (tabId: string, table: string) => void } {
  const { tables, tabs, activeTabId, activeEngine } = options;
  const [chosen, setChosen] = useState<ReadonlyMap<string, string>>(new Map());
  const fallback = (tabId: string): string =>
    defaultTableName([...(tables ?? []).map((table) => table.name), ...[...chosen].filter(([id]) => id !== tabId).map(([, name]) => name)]);
  useEffect(() => {
    if (activeTabId === null || activeEngine !== 'platform' || tables === null || chosen.has(activeTabId)) return;
    setChosen((current) => new Map(current).set(activeTabId, fallback(activeTabId)));
    // fallback is this render's; the tab, its engine and the tables are what decide.
  }, [activeTabId, activeEngine, tables, chosen]);
  // Tabs that closed take their destinations with them.
  useEffect(() => {
    const open = new Set(tabs.map((tab) => tab.id));
    if ([...chosen.keys()].every((id) => open.has(id))) return;
    setChosen((current) => new Map([...current].filter(([id]) => open.has(id))));
  }, [tabs, chosen]);
  return {
    of: (tabId) => chosen.get(tabId) ?? fallback(tabId),
    set: (tabId, table) => setChosen((current) => new Map(current).set(tabId, table)),
  };
}
