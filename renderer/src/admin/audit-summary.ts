// An audit event's details in a line a person reads ("covid-outcomes · agreement version 1 · read hospital_episodes ·
// 3 rows in 41 ms · as analyst"), the SQL of a query apart (it is shown as code), and whatever else the event recorded
// as "name: value". Pure.
import type { AuditEventView } from '../../../src/common/agreement-views.ts';
import { formatDuration, formatRows } from '../shell/format.ts';

type Json = AuditEventView['details'][string];

export interface AuditSummary {
  /** The known details, in words; "" when there are none. */
  readonly text: string;
  /** The SQL the event recorded (a query), or null. */
  readonly sql: string | null;
  /** Every other detail, "name: value". */
  readonly rest: readonly string[];
}

const MAX_VALUE_CHARS = 300;

function plain(value: Json): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

const words = (value: string): string => value.replaceAll('_', ' ');

const listOf = (value: Json): string => (Array.isArray(value) ? value.map((item) => plain(item)).join(', ') : plain(value));

/** The details this screen knows, each said its own way, in the order they read best. */
const KNOWN: ReadonlyArray<{ key: string; say: (value: Json, details: AuditEventView['details']) => string | null }> = [
  { key: 'projectId', say: (value) => `project ${plain(value)}` },
  { key: 'agreementVersion', say: (value) => `agreement version ${plain(value)}` },
  { key: 'relations', say: (value) => `read ${listOf(value) || 'nothing'}` },
  {
    key: 'rows',
    say: (value, details) => {
      const rows = typeof value === 'number' ? formatRows(value) : `${plain(value)} rows`;
      return typeof details.durationMs === 'number' ? `${rows} in ${formatDuration(details.durationMs)}` : rows;
    },
  },
  {
    key: 'durationMs',
    say: (value, details) => (details.rows !== undefined ? null : typeof value === 'number' ? `took ${formatDuration(value)}` : null),
  },
  { key: 'role', say: (value) => `as ${words(plain(value))}` },
  { key: 'username', say: (value) => `username ${plain(value)}` },
  { key: 'method', say: (value) => `by ${plain(value)}` },
  { key: 'reason', say: (value) => `reason: ${words(plain(value))}` },
  {
    key: 'version',
    say: (value, details) => (details.withdrawn === true ? `withdrawn (was version ${plain(value)})` : `version ${plain(value)} in force`),
  },
  { key: 'withdrawn', say: () => null },
  { key: 'expires', say: (value) => `expires ${plain(value)}` },
  { key: 'file', say: (value) => `file ${plain(value)}` },
  { key: 'problems', say: (value) => plain(value) },
  { key: 'reportedBy', say: (value) => `reported by the ${plain(value)}` },
];

const KNOWN_KEYS = new Set([...KNOWN.map((known) => known.key), 'sql']);

export function summariseAudit(event: Pick<AuditEventView, 'details'>): AuditSummary {
  const { details } = event;
  const parts: string[] = [];
  for (const { key, say } of KNOWN) {
    const value = details[key];
    if (value === undefined) continue;
    const said = say(value, details);
    if (said !== null) parts.push(said);
  }
  const sql = typeof details.sql === 'string' ? details.sql : null;
  const rest = Object.entries(details)
    .filter(([key]) => !KNOWN_KEYS.has(key))
    .map(([key, value]) => `${key}: ${plain(value)}`);
  return { text: parts.join(' · '), sql, rest };
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'long' });

/** An event's time as a UK reader expects it, in this computer's time zone: "1 Mar 2026, 09:00:00 GMT". */
export function formatEventTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}
