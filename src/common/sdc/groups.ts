// The group rule: when a total is published, the cells hidden under it add up to a published
// number (total minus the published cells), so that group must itself pass the cell rules — a
// row whose two hidden cells hold 3 and 4 people discloses a group of 7.
import { checkCell } from './rules.ts';
import type { Finding, Rules } from './rules.ts';
import type { PatternState } from './state.ts';
import type { Relation, TableCell } from './table.ts';

export interface GroupViolation {
  relation: number;
  members: number[];
  findings: Finding[];
}

const GROUP_CODES = new Set(['zero', 'threshold', 'dominance', 'p-ratio']);

function groupFindings(cells: readonly TableCell[], rules: Rules): Finding[] {
  let count = 0;
  let contributions: (number | null)[] | null = null;
  for (const cell of cells) {
    count += cell.count ?? 0;
    if (cell.contributions) contributions = [...(contributions ?? []), ...cell.contributions];
  }
  return checkCell({ count, contributions }, rules).filter((f) => GROUP_CODES.has(f.code));
}

function hiddenMembers(state: PatternState, relation: Relation): number[] {
  return relation.members.filter((m) => state.suppressed[m]);
}

/** Published relations whose hidden cells, taken together, fail the rules. */
export function groupViolations(state: PatternState, rules: Rules): GroupViolation[] {
  const violations: GroupViolation[] = [];
  state.table.relations.forEach((relation, index) => {
    if (state.suppressed[relation.total]) return;
    const members = hiddenMembers(state, relation);
    if (members.length === 0) return;
    const findings = groupFindings(
      members.map((m) => state.table.cells[m]),
      rules,
    );
    if (findings.length > 0) violations.push({ relation: index, members, findings });
  });
  return violations;
}

/**
 * One more cell to hide in a failing relation: the cheapest whose addition makes the group pass,
 * otherwise the largest (which brings the group closest to its total, which passes). Null when no
 * member may be hidden.
 */
export function repairCell(state: PatternState, rules: Rules, relation: Relation): number | null {
  const hidden = hiddenMembers(state, relation).map((m) => state.table.cells[m]);
  const candidates = relation.members.filter((m) => !state.suppressed[m] && state.eligible[m]).map((m) => state.table.cells[m]);
  let cheapest: TableCell | null = null;
  let largest: TableCell | null = null;
  for (const cell of candidates) {
    if (!largest || cell.value > largest.value) largest = cell;
    if (cheapest && cell.value >= cheapest.value) continue;
    if (groupFindings([...hidden, cell], rules).length === 0) cheapest = cell;
  }
  return (cheapest ?? largest)?.id ?? null;
}
