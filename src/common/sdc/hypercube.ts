// Secondary suppression by hypercubes (the method of Repsilber's GHMITER, used by τ-ARGUS and by
// sdcTable's "HYPERCUBE"): a sensitive cell is hidden together with the other 2^k − 1 corners of a
// box in the table, margins included, so that one alternating change of ±δ at the corners keeps
// every published total true. The attacker then cannot tell δ from 0; how large δ may be is bounded
// by the corners that move down. We pick the cheapest box (by the value of cells newly hidden) that
// gives the room the cell needs. The LP audit afterwards is the judge; this only proposes.
import { minStep, rangeMeets } from './state.ts';
import type { PatternState } from './state.ts';
import type { TableCell } from './table.ts';

export interface Hypercube {
  corners: number[];
  /** +1 for corners that move with the target, −1 for corners that move against it. */
  signs: number[];
  cost: number;
  sufficient: boolean;
}

interface Candidate {
  corners: number[];
  signs: number[];
  cost: number;
  fresh: number;
  up: number;
  down: number;
}

/** Rooms up and down for the corner at position `at` of a box. */
export function cornerRooms(state: PatternState, box: { corners: number[]; signs: number[] }, at: number): { up: number; down: number } {
  const own = box.signs[at];
  let up = Infinity;
  let down = Infinity;
  box.corners.forEach((id, i) => {
    const room = state.table.cells[id].value - state.lowerBound;
    if (box.signs[i] === own) down = Math.min(down, room);
    else up = Math.min(up, room);
  });
  return { up, down };
}

function score(state: PatternState, target: number, c: Omit<Candidate, 'corners' | 'signs'>): number {
  const req = state.requirement[target];
  const step = minStep(state.table, state.table.cells[target]);
  const width = Math.min(1, Math.max(c.up, c.down) / step);
  if (!req) return width;
  const upShare = req.up > 0 ? Math.min(1, c.up / req.up) : 1;
  const downShare = req.down > 0 ? Math.min(1, c.down / req.down) : 1;
  return Math.min(width, upShare, downShare);
}

function better(a: Omit<Candidate, 'corners' | 'signs'>, b: Candidate | null): boolean {
  if (!b) return true;
  if (a.cost !== b.cost) return a.cost < b.cost;
  return a.fresh < b.fresh;
}

/**
 * The cheapest box around `target` whose corners may all be hidden and which gives the target the
 * room it needs; when none does, the box that gives most of it (marked not sufficient).
 * `tried` holds boxes already used for this target (as sorted corner lists), to find new ones.
 */
export function bestHypercube(state: PatternState, target: number, tried: ReadonlySet<string>): Hypercube | null {
  const { table } = state;
  const k = table.dimensions.length;
  const t = table.cells[target];
  const alternatives = t.coords.map((c, d) => {
    const list: number[] = [];
    for (let v = 0; v <= table.sizes[d]; v++) if (v !== c) list.push(v);
    return list;
  });
  let best: Candidate | null = null;
  let fallback: Candidate | null = null;
  let fallbackScore = -1;
  const choice = new Array<number>(k).fill(0);
  const scratch: Scratch = { corners: new Array<number>(1 << k).fill(0), signs: new Array<number>(1 << k).fill(0) };
  const keep = (c: Omit<Candidate, 'corners' | 'signs'>): Candidate => ({
    ...c,
    corners: scratch.corners.slice(),
    signs: scratch.signs.slice(),
  });
  const visit = (d: number): void => {
    if (d === k) {
      // Once a sufficient box is known, dearer ones cannot win: stop adding up their cost early.
      const candidate = evaluate(state, { t, choice, scratch, costLimit: best ? best.cost : Infinity });
      if (!candidate || (tried.size > 0 && tried.has(boxKey(scratch.corners)))) return;
      if (rangeMeets({ state, id: target, up: candidate.up, down: candidate.down })) {
        if (better(candidate, best)) best = keep(candidate);
      } else if (!best) {
        const s = score(state, target, candidate);
        if (s > fallbackScore || (s === fallbackScore && better(candidate, fallback))) {
          fallback = keep(candidate);
          fallbackScore = s;
        }
      }
      return;
    }
    for (const v of alternatives[d]) {
      choice[d] = v;
      visit(d + 1);
    }
  };
  visit(0);
  const chosen: Candidate | null = best ?? fallback;
  if (!chosen) return null;
  const { corners, signs, cost } = chosen;
  return { corners, signs, cost, sufficient: best !== null };
}

export function boxKey(corners: readonly number[]): string {
  return corners
    .slice()
    .sort((a, b) => a - b)
    .join(',');
}

interface Scratch {
  corners: number[];
  signs: number[];
}

function evaluate(
  state: PatternState,
  args: { t: TableCell; choice: readonly number[]; scratch: Scratch; costLimit: number },
): Omit<Candidate, 'corners' | 'signs'> | null {
  const { table } = state;
  const { t, choice, scratch } = args;
  const k = choice.length;
  let cost = 0;
  let fresh = 0;
  let up = Infinity;
  let down = Infinity;
  for (let mask = 0; mask < 1 << k; mask++) {
    let id = 0;
    let sign = 1;
    for (let d = 0; d < k; d++) {
      const own = t.coords[d];
      if ((mask & (1 << d)) === 0) {
        id += own * table.strides[d];
        continue;
      }
      const alt = choice[d];
      id += alt * table.strides[d];
      // A dimension whose pair includes its total moves both corners the same way (total = sum).
      if (alt !== table.sizes[d] && own !== table.sizes[d]) sign = -sign;
    }
    const cell = table.cells[id];
    if (!state.suppressed[id]) {
      if (!state.eligible[id]) return null;
      cost += cell.value;
      if (cost > args.costLimit) return null;
      fresh += 1;
    }
    const room = cell.value - state.lowerBound;
    if (sign === 1) down = Math.min(down, room);
    else up = Math.min(up, room);
    scratch.corners[mask] = id;
    scratch.signs[mask] = sign;
  }
  return { cost, fresh, up, down };
}
