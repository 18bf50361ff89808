// The disclosure-control engine: rules, protection, LP audit, ACRO output. Pure; the LP solver is passed in.
export { resolveRules, checkCell, protectionLevel, PROFILES } from './rules.ts';
export type { Rules, RuleOverrides, ProfileName, TotalsMode, Rounding, Finding, ReasonCode } from './rules.ts';
export { roundToBase, roundMidpoint, applyRounding } from './rounding.ts';
export { runCheck } from './check.ts';
export type { CheckOutput, CheckStatus, CellReport, CellStatus, IntervalReport } from './check.ts';
export { CheckInputSchema } from './schema.ts';
export type { CheckInput } from './schema.ts';
export type { LpSolver, LinearProgram, ColumnRange } from './lp.ts';
export { TableError } from './table.ts';
export { checkRegression } from './regression.ts';
export { checkHistogram } from './histogram.ts';
export { findDifferencing } from './differencing.ts';
export type { ReleasedTable, DifferencingWarning } from './differencing.ts';
export { toAcroResults, ACRO_VERSION } from './acro.ts';
