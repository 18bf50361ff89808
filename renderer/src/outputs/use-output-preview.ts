// The output builder's live preview (issue 16): the analyst's choices become the aggregation query, run in the local
// engine (rows per cell, never the result's rows); the rows become the output document; the platform checks it
// (`airlock.check`, the same check it enforces when the output is added to a request); the published table is shaped
// from the document and that check. Each step starts again when what it depends on changes, and the previous one is
// cancelled, so what is on screen is always the check of what is on screen.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine } from '../../../src/common/local-engine.ts';
import { outputDocument, outputQuery, type OutputChoices, type OutputRow } from '../../../src/common/output-build.ts';
import { publishedOutput, type CellKey, type OutputCheck, type PublishedOutput } from '../../../src/common/output-check.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import type { ResultColumn } from '../analysis/column-kind.ts';
import { messageOf } from '../shell/message-of.ts';
import { choicesOf, titleOf, type BuilderState } from './builder-model.ts';
import { readOutputRows } from './output-rows.ts';

/** Changes are taken together when they come this close (typing a title, stepping through bins). */
const SETTLE_MS = 300;

export type RowsState =
  | { status: 'incomplete'; message: string }
  | { status: 'building' }
  | { status: 'ready'; choices: OutputChoices; sql: string; rows: OutputRow[] }
  | { status: 'failed'; message: string };

export type CheckState =
  | { status: 'none' }
  | { status: 'checking' }
  | { status: 'checked'; key: string; check: OutputCheck }
  | { status: 'failed'; key: string; message: string };

export interface OutputPreview {
  rows: RowsState;
  /** The document as it would be added, or why it cannot be made; null while its rows are being made. */
  document: { ok: true; value: OutputDocument; key: string } | { ok: false; message: string } | null;
  check: CheckState;
  /** The check of the document on screen and what it publishes (null while checking or after a failure). */
  current: Checked | null;
  /** What to show: the current check, or while the next one is made the last one (`current` says whether it is). */
  shown: Checked | null;
}

interface Checked {
  document: OutputDocument;
  check: OutputCheck;
  published: PublishedOutput;
}

/** The parts of the builder's state that change the query (not the title, mitigation, rates or hidden cells). */
function queryKey(state: BuilderState): string {
  const { kind, dimensions, measure, statistic, totals, bins, model, observations, residualDof } = state;
  return JSON.stringify({ kind, dimensions, measure, statistic, totals, bins, model, observations, residualDof });
}

function settle(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}

function cancelled(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof EnclaveError && err.code === 'cancelled');
}

export function useOutputPreview(args: {
  client: Client;
  projectId: string;
  engine: LocalEngine;
  resultId: string;
  resultSql: string;
  columns: readonly ResultColumn[];
  state: BuilderState;
  hidden: readonly CellKey[];
}): OutputPreview {
  const { client, projectId, engine, resultId, resultSql, columns, state, hidden } = args;
  const [rows, setRows] = useState<RowsState>({ status: 'building' });
  const [check, setCheck] = useState<CheckState>({ status: 'none' });
  const key = queryKey(state);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setRows({ status: 'building' });
    const build = async (): Promise<void> => {
      await settle(SETTLE_MS, signal);
      if (signal.aborted) return;
      let bounds: { min: number; max: number; integers: boolean } | null = null;
      if (state.kind === 'histogram' && state.measure !== '') {
        const summary = await engine.summarise({ resultId, column: state.measure, signal });
        const column = columns.find((c) => c.name === state.measure);
        bounds = {
          min: summary.min === null ? Number.NaN : Number(summary.min),
          max: summary.max === null ? Number.NaN : Number(summary.max),
          integers: column?.kind.kind === 'integer',
        };
      }
      const chosen = choicesOf(state, bounds);
      if (!chosen.ok) {
        setRows({ status: 'incomplete', message: chosen.message });
        return;
      }
      const sql = outputQuery(chosen.choices, resultSql);
      const read = await readOutputRows({ engine, sql, signal });
      if (!signal.aborted) setRows({ status: 'ready', choices: chosen.choices, sql, rows: read });
    };
    build().catch((err: unknown) => {
      if (cancelled(err, signal)) return;
      setRows({ status: 'failed', message: messageOf(err, 'The output’s table could not be made from this result.') });
    });
    return () => controller.abort();
    // The key holds every choice the query depends on.
  }, [engine, resultId, resultSql, columns, key]);

  const title = titleOf(state);
  const document = useMemo((): OutputPreview['document'] => {
    if (rows.status !== 'ready') return null;
    try {
      const value = outputDocument({
        choices: rows.choices,
        title,
        sql: rows.sql,
        engine: engine.mode === 'disk' ? 'native' : 'memory',
        rows: rows.rows,
        mitigation: state.mitigation,
        hidden,
        ratePer: state.ratePer,
      });
      return { ok: true, value, key: JSON.stringify(value) };
    } catch (err) {
      return { ok: false, message: messageOf(err, 'The output could not be made from these choices.') };
    }
  }, [rows, title, state.mitigation, state.ratePer, hidden, engine.mode]);

  const documentKey = document?.ok ? document.key : null;
  useEffect(() => {
    if (document === null || !document.ok) {
      setCheck({ status: 'none' });
      return;
    }
    const controller = new AbortController();
    const { signal } = controller;
    const forKey = document.key;
    setCheck({ status: 'checking' });
    const run = async (): Promise<void> => {
      await settle(SETTLE_MS, signal);
      if (signal.aborted) return;
      const answer = await client.invoke('airlock.check', { projectId, document: document.value }, { signal });
      if (!signal.aborted) setCheck({ status: 'checked', key: forKey, check: answer });
    };
    run().catch((err: unknown) => {
      if (cancelled(err, signal)) return;
      setCheck({ status: 'failed', key: forKey, message: messageOf(err, 'The platform could not check this output.') });
    });
    return () => controller.abort();
    // The document's key is its whole content.
  }, [client, projectId, documentKey]);

  const current = useMemo((): OutputPreview['shown'] => {
    if (check.status !== 'checked' || document === null || !document.ok || check.key !== document.key) return null;
    try {
      return { check: check.check, published: publishedOutput(document.value, check.check), document: document.value };
    } catch {
      return null;
    }
  }, [check, document]);
  // The last preview stays on screen while the next is made, so the table does not vanish at every change; an
  // output that cannot be made or checked shows none.
  const last = useRef<OutputPreview['shown']>(null);
  const failed =
    rows.status === 'failed' || rows.status === 'incomplete' || check.status === 'failed' || (document !== null && !document.ok);
  if (current !== null) last.current = current;
  else if (failed) last.current = null;

  return { rows, document, check, current, shown: last.current };
}
