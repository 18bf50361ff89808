// Primary and secondary suppression, checked by the LP audit, for one table.
// Order: primary cells are hidden; each hidden cell that needs room gets the cheapest hypercube;
// groups under published totals are completed; then the LP audit judges. Cells the audit still
// finds too narrow get further hypercubes, and if that does not settle it within a few rounds the
// whole table is withheld except its published zeros — a safe answer, never a wrong "pass".
import { auditPattern } from './audit.ts';
import type { Interval } from './audit.ts';
import { groupViolations, repairCell } from './groups.ts';
import type { GroupViolation } from './groups.ts';
import { bestHypercube, boxKey, cornerRooms } from './hypercube.ts';
import type { Hypercube } from './hypercube.ts';
import type { LpSolver } from './lp.ts';
import { checkCell, protectionLevel, sortedContributions } from './rules.ts';
import type { Finding, Rules } from './rules.ts';
import { createState, intervalMeets, isCoveredByHypercubes, suppress } from './state.ts';
import type { PatternState, Requirement } from './state.ts';
import { keyOf } from './table.ts';
import type { ExtendedTable, TableCell } from './table.ts';

const PRIMARY_CODES = new Set(['zero', 'threshold', 'dominance', 'p-ratio']);
const ESCALATION_ROUNDS = 4;

export interface ProtectOptions {
  table: ExtendedTable;
  rules: Rules;
  lowerBound: number;
  zerosPublished: boolean;
  /** Cells the input asked to hide (an existing pattern to audit, or to start from). */
  given: number[];
  protect: boolean;
  solver: LpSolver;
  /** Cancels the work between steps (long tables); the promise then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface ProtectionResult {
  state: PatternState;
  findings: Finding[][];
  primary: Uint8Array;
  intervals: Map<number, Interval>;
  groupViolations: GroupViolation[];
  /** Hidden cells whose interval does not meet their requirement, by id. */
  underProtected: number[];
  review: boolean;
  notes: string[];
}

export function isPrimaryFinding(f: Finding): boolean {
  return PRIMARY_CODES.has(f.code);
}

function requirementOf(cell: TableCell, findings: Finding[], args: { rules: Rules; lowerBound: number }): Requirement {
  const magnitude = findings.some((f) => f.code === 'dominance' || f.code === 'p-ratio');
  if (!magnitude || !cell.contributions) return { up: 0, down: 0 };
  const up = protectionLevel(sortedContributions(cell.contributions), args.rules);
  return { up, down: Math.min(up, Math.max(0, cell.value - args.lowerBound)) };
}

export async function protect(options: ProtectOptions): Promise<ProtectionResult> {
  const { table, rules, lowerBound, solver, signal } = options;
  const considered = (cell: TableCell): boolean => !cell.isTotal || table.relations.length > 0;
  const findings = table.cells.map((cell) =>
    considered(cell) ? checkCell({ count: cell.count, contributions: cell.contributions }, rules) : [],
  );
  const primary = new Uint8Array(table.cells.length);
  findings.forEach((list, id) => (primary[id] = list.some(isPrimaryFinding) ? 1 : 0));
  const review = findings.some((list) => list.some((f) => f.code === 'missing' || f.code === 'negative'));
  const state = createState(table, lowerBound, options.zerosPublished);
  const requirement = (id: number): Requirement => requirementOf(table.cells[id], findings[id], { rules, lowerBound });
  for (const id of options.given) {
    suppress(state, id, requirement(id));
    if (!primary[id]) state.secondaryReason[id] = 'secondary: hidden by the pattern given in the input';
  }
  if (options.protect) for (const cell of table.cells) if (primary[cell.id]) suppress(state, cell.id, requirement(cell.id));
  const result: ProtectionResult = {
    state,
    findings,
    primary,
    intervals: new Map(),
    groupViolations: [],
    underProtected: [],
    review,
    notes: [],
  };
  if (review) {
    result.notes.push(
      'Negative or missing values were found: secondary suppression and the LP audit were not run, and a person must review this output.',
    );
    return result;
  }
  const tried = new Map<number, Set<string>>();
  if (options.protect && table.relations.length > 0) secondarySuppression(state, rules, { tried, signal });
  await judge(result, { rules, solver, signal });
  if (!options.protect || table.relations.length === 0) return result;
  for (let round = 0; round < ESCALATION_ROUNDS && !settled(result); round++) {
    for (const id of failing(result)) applyBox(state, tried, { target: id, box: bestHypercube(state, id, tried.get(id) ?? new Set()) });
    secondarySuppression(state, rules, { tried, signal });
    await judge(result, { rules, solver, signal });
  }
  if (!settled(result)) {
    withholdEverything(state);
    result.notes.push('No smaller suppression pattern passed the audit, so every cell and total except published zeros is withheld.');
    await judge(result, { rules, solver, signal });
  }
  return result;
}

function settled(result: ProtectionResult): boolean {
  return result.underProtected.length === 0 && result.groupViolations.length === 0;
}

function failing(result: ProtectionResult): number[] {
  const ids = new Set(result.underProtected);
  for (const violation of result.groupViolations) for (const m of violation.members) ids.add(m);
  return [...ids];
}

async function judge(result: ProtectionResult, args: { rules: Rules; solver: LpSolver; signal?: AbortSignal | undefined }): Promise<void> {
  const { state } = result;
  result.intervals = await auditPattern(state, args.solver, args.signal);
  result.underProtected = [];
  for (const [id, interval] of result.intervals) {
    if (!intervalMeets({ state, id, lower: interval.lower, upper: interval.upper })) result.underProtected.push(id);
  }
  result.groupViolations = groupViolations(state, args.rules);
}

function describeKey(table: ExtendedTable, id: number): string {
  const key = keyOf(table, table.cells[id]);
  return Object.entries(key)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

function applyBox(state: PatternState, tried: Map<number, Set<string>>, args: { target: number; box: Hypercube | null }): boolean {
  const { target, box } = args;
  if (!box) return false;
  let fresh = false;
  let set = tried.get(target);
  if (!set) tried.set(target, (set = new Set()));
  set.add(boxKey(box.corners));
  box.corners.forEach((id, i) => {
    if (!state.suppressed[id]) {
      suppress(state, id, { up: 0, down: 0 });
      state.secondaryReason[id] = `secondary: protects the hidden cell ${describeKey(state.table, target)}`;
      fresh = true;
    }
    const rooms = cornerRooms(state, box, i);
    state.roomUp[id] = Math.max(state.roomUp[id], rooms.up);
    state.roomDown[id] = Math.max(state.roomDown[id], rooms.down);
  });
  return fresh;
}

/** Hypercubes and group completion until nothing more is needed (or nothing more can be found). */
function secondarySuppression(
  state: PatternState,
  rules: Rules,
  args: { tried: Map<number, Set<string>>; signal?: AbortSignal | undefined },
): void {
  const { table } = state;
  const { tried, signal } = args;
  const attempts = new Map<number, number>();
  for (;;) {
    signal?.throwIfAborted();
    let changed = false;
    const queue = table.cells
      .filter((c) => state.suppressed[c.id] && !isCoveredByHypercubes(state, c.id))
      .sort((a, b) => {
        const ra = state.requirement[a.id] as Requirement;
        const rb = state.requirement[b.id] as Requirement;
        return rb.up - ra.up || b.value - a.value || a.id - b.id;
      });
    for (const cell of queue) {
      if (isCoveredByHypercubes(state, cell.id)) continue;
      const count = attempts.get(cell.id) ?? 0;
      if (count >= 3) continue;
      attempts.set(cell.id, count + 1);
      const box = bestHypercube(state, cell.id, tried.get(cell.id) ?? new Set());
      if (applyBox(state, tried, { target: cell.id, box })) changed = true;
    }
    for (const violation of groupViolations(state, rules)) {
      const relation = table.relations[violation.relation];
      const id = relation ? repairCell(state, rules, relation) : null;
      if (id === null || state.suppressed[id]) continue;
      suppress(state, id, { up: 0, down: 0 });
      state.secondaryReason[id] =
        `secondary: the hidden cells under the total ${describeKey(table, relation?.total ?? id)} would form a disclosive group`;
      changed = true;
    }
    if (!changed) return;
  }
}

function withholdEverything(state: PatternState): void {
  for (const cell of state.table.cells) {
    if (state.suppressed[cell.id] || !state.eligible[cell.id]) continue;
    suppress(state, cell.id, { up: 0, down: 0 });
    state.secondaryReason[cell.id] = 'secondary: the table could not be protected with fewer hidden cells';
  }
}
