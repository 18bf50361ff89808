// Regression outputs: enough residual degrees of freedom, as ACRO's MinimumDoFCheck / its
// `safe_dof_threshold` (AI-SDC/ACRO acro/default.yaml: 10). Fewer than the threshold fails.
import type { Rules } from './rules.ts';

export interface RegressionVerdict {
  status: 'pass' | 'fail';
  residualDof: number;
  reasons: string[];
}

/** `observations − parameters` when no residual degrees of freedom are given. */
export function checkRegression(
  model: { residualDof?: number; observations?: number; parameters?: number },
  rules: Pick<Rules, 'dofThreshold'>,
): RegressionVerdict {
  const dof = model.residualDof ?? (model.observations ?? 0) - (model.parameters ?? 0);
  if (!Number.isFinite(dof)) return { status: 'fail', residualDof: dof, reasons: ['dof: residual degrees of freedom are unknown'] };
  if (dof < rules.dofThreshold) {
    return { status: 'fail', residualDof: dof, reasons: [`dof: ${dof} residual degrees of freedom is below ${rules.dofThreshold}`] };
  }
  return { status: 'pass', residualDof: dof, reasons: [] };
}
