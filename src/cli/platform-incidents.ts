// The operator's break-glass commands, run on the platform's host as its OS user, with no identity provider needed:
// `enclave platform suspend-user | suspend-project | freeze-egress | lift | incidents | access-report`. They open only
// the platform's records (the store and the audit log, never the data engine a running server holds) and act through
// the same kill switch as an administrator's API calls, as the operator (the OS account, recorded in every event). A
// running server refuses new calls at once (it reads the store on every call) and, within a second, stops the running
// work the action covers and ends sign-ins at its own identity provider (its kill switch's watch()). The records are
// DIR/metadata.sqlite, or the PostgreSQL database serve runs on (--database-url, as serve takes it): a suspension written
// anywhere else would suspend nobody.
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import {
  EVERY_PROJECT,
  INCIDENT_ID_PATTERN,
  KillSwitchActionSchema,
  LiftRestrictionSchema,
  OpenIncidentSchema,
  RESTRICTION_ID_PATTERN,
  type ActionEffect,
  type Incident,
  type KillSwitchAction,
  type Restriction,
  type RestrictionKind,
} from '../common/incidents.ts';
import { createKillSwitch, type KillSwitchActor } from '../platform/incidents/kill-switch.ts';
import type { PlatformRecords } from '../platform/records.ts';
import type { CliIo } from './cli-io.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, HOST_DATABASE_USAGE } from './database-options.ts';
import {
  flagProblem,
  hostDatabaseOf,
  operatorName,
  printable,
  shellWord,
  UsageProblem,
  withRecords,
  type HostRecordsOptions,
} from './host-records.ts';
import { accessReportCommand } from './platform-access-report.ts';

export const INCIDENT_COMMANDS = ['suspend-user', 'suspend-project', 'freeze-egress', 'lift', 'incidents', 'access-report'] as const;
export type IncidentCommand = (typeof INCIDENT_COMMANDS)[number];

const BREAK_GLASS = `Break-glass: run on the platform's host as its OS user; works without the identity provider. Without
  --incident it opens an incident itself (severity high, personal data may be involved) and prints its id. Exit 0:
  done (what was done is printed). Exit 2: bad input, nothing changed. Exit 1: the platform's records failed.
${HOST_DATABASE_USAGE}`;

const USAGES: Record<IncidentCommand, string> = {
  'suspend-user': `Usage: enclave platform suspend-user --data-dir DIR --user ID --reason TEXT [--incident INC]
    ${HOST_DATABASE_FLAGS}
  Suspends a person: every route of the platform refuses them from their next call, their access tokens are refused,
  and the running platform stops their work and ends their sign-ins within a second.
  ${BREAK_GLASS}
`,
  'suspend-project': `Usage: enclave platform suspend-project --data-dir DIR --project ID --reason TEXT [--incident INC]
    ${HOST_DATABASE_FLAGS}
  Suspends a project: its catalogue, queries, samples and agreement are refused to everybody, nothing of it may leave,
  and the running platform stops its work within a second.
  ${BREAK_GLASS}
`,
  'freeze-egress': `Usage: enclave platform freeze-egress --data-dir DIR [--project ID] --reason TEXT [--incident INC]
    ${HOST_DATABASE_FLAGS}
  Freezes egress: nothing leaves the project (without --project: every project) until lifted.
  ${BREAK_GLASS}
`,
  lift: `Usage: enclave platform lift --data-dir DIR --action ACT --reason TEXT
    ${HOST_DATABASE_FLAGS}
  Lifts an action in force (ACT as \`enclave platform incidents\` lists it, act-…). A lifted suspension gives back
  exactly the access before, from the person's next sign-in. The incident stays open: an administrator closes it.
  Exit 0: lifted. Exit 2: bad input or no such action in force, nothing changed. Exit 1: the records failed.
${HOST_DATABASE_USAGE}
`,
  incidents: `Usage: enclave platform incidents --data-dir DIR [--format text|json]
    ${HOST_DATABASE_FLAGS}
  Lists the open incidents, the actions in force (with the ids \`lift\` takes), and the latest closed and lifted ones.
  Reads only. Exit 0: listed. Exit 2: bad input. Exit 1: the records failed.
${HOST_DATABASE_USAGE}
`,
  'access-report': `Usage: enclave platform access-report --data-dir DIR (--user ID | --project ID) --from ISO --to ISO [--format json|csv]
    ${HOST_DATABASE_FLAGS}
  What a person or a project touched in [from, to), from the audit log: sign-ins, catalogue reads, queries with the
  datasets they read and their rows, samples, refusals and work stopped. JSON (default) or CSV, oldest first.
  Times like 2026-12-01T02:00:00Z. The report is itself recorded in the audit log.
  Exit 0: printed. Exit 2: bad input. Exit 1: the records failed.
${HOST_DATABASE_USAGE}
`,
};

const OPTIONS = {
  'data-dir': { type: 'string' },
  user: { type: 'string' },
  project: { type: 'string' },
  reason: { type: 'string' },
  incident: { type: 'string' },
  action: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  ...HOST_DATABASE_FLAG_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;
type Flag = Exclude<keyof typeof OPTIONS, 'help'>;

/** Where the records are: every command takes them. */
const RECORDS: readonly Flag[] = ['data-dir', 'database-url', 'database-password-file', 'identity-keys-dir'];

/** The flags each command takes (beyond --help), and which it requires. */
const FLAGS: Record<IncidentCommand, { takes: readonly Flag[]; requires: readonly Flag[] }> = {
  'suspend-user': { takes: [...RECORDS, 'user', 'reason', 'incident'], requires: ['data-dir', 'user', 'reason'] },
  'suspend-project': { takes: [...RECORDS, 'project', 'reason', 'incident'], requires: ['data-dir', 'project', 'reason'] },
  'freeze-egress': { takes: [...RECORDS, 'project', 'reason', 'incident'], requires: ['data-dir', 'reason'] },
  lift: { takes: [...RECORDS, 'action', 'reason'], requires: ['data-dir', 'action', 'reason'] },
  incidents: { takes: [...RECORDS, 'format'], requires: ['data-dir'] },
  'access-report': { takes: [...RECORDS, 'user', 'project', 'from', 'to', 'format'], requires: ['data-dir', 'from', 'to'] },
};

/** How the operator names these records on a command line: what a printed `lift` command repeats. */
function recordsFlags(values: Values): string {
  return (['data-dir', 'database-url', 'database-password-file', 'identity-keys-dir'] as const)
    .filter((flag) => values[flag] !== undefined)
    .map((flag) => `--${flag} ${printable(shellWord(values[flag] ?? ''))}`)
    .join(' ');
}

type Values = Partial<Record<Flag, string>>;

function parseFlags(command: IncidentCommand, argv: string[]): Values | 'help' {
  let values: Values & { help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageProblem((err as Error).message);
  }
  if (values.help === true) return 'help';
  const { takes, requires } = FLAGS[command];
  for (const flag of Object.keys(values) as Flag[]) {
    if (!takes.includes(flag)) throw new UsageProblem(`--${flag} is not an option of ${command}.`);
  }
  for (const flag of requires) {
    if (values[flag] === undefined || values[flag].trim() === '') throw new UsageProblem(`--${flag} is required.`);
  }
  return values;
}

function requireId(flag: 'incident' | 'action', value: string, pattern: RegExp): string {
  if (!pattern.test(value)) {
    const example = flag === 'incident' ? 'inc-' : 'act-';
    throw new UsageProblem(
      `--${flag} must be an ${flag === 'incident' ? 'incident' : 'action'} id (${example} and 20 hex digits), as \`enclave platform incidents\` lists it.`,
    );
  }
  return value;
}

const write = (io: CliIo, lines: readonly string[]): void => {
  io.stdout.write(lines.map((line) => `${line}\n`).join(''));
};

// ---- suspend-user, suspend-project, freeze-egress ----------------------------------------------------------------

const PLACEHOLDER_INCIDENT = `inc-${'0'.repeat(20)}`;
const SUMMARY_MAX = 500;

function actionOf(command: 'suspend-user' | 'suspend-project' | 'freeze-egress', values: Values, incidentId: string): KillSwitchAction {
  const common = { incidentId, reason: values.reason ?? '' };
  const raw =
    command === 'suspend-user'
      ? { action: 'suspend_user', userId: values.user, ...common }
      : command === 'suspend-project'
        ? { action: 'suspend_project', projectId: values.project, ...common }
        : { action: 'freeze_egress', projectId: values.project ?? null, ...common };
  const parsed = KillSwitchActionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageProblem(
      flagProblem(parsed.error, { userId: '--user', projectId: '--project', reason: '--reason', incidentId: '--incident' }),
    );
  }
  return parsed.data;
}

const KIND_OF: Record<'suspend_user' | 'suspend_project' | 'freeze_egress', RestrictionKind> = {
  suspend_user: 'user_suspended',
  suspend_project: 'project_suspended',
  freeze_egress: 'egress_frozen',
};

/** Everything that would make the action refused, checked before anything is written (an incident included). */
async function checkActionWouldApply(records: PlatformRecords, action: KillSwitchAction, incidentId: string | undefined): Promise<void> {
  const { store } = records;
  if (incidentId !== undefined) {
    const incident = await store.incidents.get(incidentId);
    if (incident === undefined) throw new UsageProblem(`There is no incident ${incidentId}: nothing was changed.`, false);
    if (incident.status !== 'open')
      throw new UsageProblem(`Incident ${incidentId} is closed: name an open one, or leave --incident out.`, false);
  }
  if (action.action === 'revoke_sessions') return;
  let target: string;
  if (action.action === 'suspend_user') {
    if ((await store.getUser(action.userId)) === undefined)
      throw new UsageProblem(`There is no person ${action.userId} on this platform: nothing was changed.`, false);
    target = action.userId;
  } else {
    const projectId = action.projectId;
    if (projectId !== null && !(await store.listAllProjects()).some((project) => project.id === projectId)) {
      throw new UsageProblem(`There is no project ${projectId} on this platform: nothing was changed.`, false);
    }
    target = projectId ?? EVERY_PROJECT;
  }
  const inForce = await store.incidents.inForceOn(KIND_OF[action.action], [target]);
  if (inForce !== undefined) {
    throw new UsageProblem(
      `This is in force already, as action ${inForce.id} of incident ${inForce.incidentId}: nothing was changed.`,
      false,
    );
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function breakGlass({
  command,
  values,
  records: at,
  io,
}: {
  command: 'suspend-user' | 'suspend-project' | 'freeze-egress';
  values: Values;
  records: HostRecordsOptions;
  io: CliIo;
}): Promise<number> {
  const named = values.incident === undefined ? undefined : requireId('incident', values.incident, INCIDENT_ID_PATTERN);
  // Every check of the input before the records are opened, with a placeholder incident when none is named.
  const checked = actionOf(command, values, named ?? PLACEHOLDER_INCIDENT);
  const newIncident = OpenIncidentSchema.safeParse({
    summary: truncate(`Break-glass: ${checked.reason}`, SUMMARY_MAX),
    severity: 'high',
    detectedAt: new Date().toISOString(),
    personalData: true,
  });
  if (!newIncident.success) throw new UsageProblem(flagProblem(newIncident.error, { summary: '--reason' }));
  return withRecords(at, async (records) => {
    await checkActionWouldApply(records, checked, named);
    const killSwitch = createKillSwitch({ store: records.store, audit: records.audit });
    const actor: KillSwitchActor = { kind: 'operator', name: operatorName() };
    let opened: Incident | undefined;
    if (named === undefined) {
      opened = await killSwitch.openIncident(actor, newIncident.data);
      write(io, [`Opened incident ${opened.id} (severity high; personal data may be involved): ${printable(opened.summary)}`]);
    }
    let effect: ActionEffect;
    try {
      effect = await killSwitch.act(actor, { ...checked, incidentId: opened?.id ?? checked.incidentId });
    } catch (err) {
      if (opened !== undefined) {
        // Nothing is in force under it: the incident this command opened is closed again, saying why.
        const why = err instanceof EnclaveError ? err.message : 'the platform could not record it';
        const resolution = truncate(`The break-glass action failed (${why}); nothing was put in place.`, 2000);
        const incidentId = opened.id;
        await killSwitch.closeIncident(actor, incidentId, resolution).then(
          () => write(io, [`Closed incident ${incidentId} again: the action failed.`]),
          () => write(io, [`Incident ${incidentId} stays open: the action failed, and closing it failed too.`]),
        );
      }
      throw err;
    }
    write(io, effect.summary.map(printable));
    const restriction = effect.restriction;
    if (restriction !== null) {
      const lines = [`Action ${restriction.id} is in force, under incident ${restriction.incidentId}.`];
      if (restriction.kind !== 'egress_frozen') {
        lines.push(
          'This command runs outside the platform server: the running server stops the work this covers and ends sign-ins at its own identity provider within a second (the counts above are this command’s own).',
        );
      }
      lines.push(`To lift it: enclave platform lift ${recordsFlags(values)} --action ${restriction.id} --reason TEXT`);
      write(io, lines);
    }
    return 0;
  });
}

// ---- lift ---------------------------------------------------------------------------------------------------------

async function lift(values: Values, at: HostRecordsOptions, io: CliIo): Promise<number> {
  const actionId = requireId('action', values.action ?? '', RESTRICTION_ID_PATTERN);
  const parsed = LiftRestrictionSchema.safeParse({ reason: values.reason });
  if (!parsed.success) throw new UsageProblem(flagProblem(parsed.error, { reason: '--reason' }));
  return withRecords(at, async (records) => {
    const killSwitch = createKillSwitch({ store: records.store, audit: records.audit });
    const effect = await killSwitch.lift({ kind: 'operator', name: operatorName() }, actionId, parsed.data.reason);
    write(io, effect.summary.map(printable));
    const incidentId = effect.restriction?.incidentId;
    if (incidentId !== undefined) {
      const still = (await records.store.incidents.inForce()).filter((entry) => entry.incidentId === incidentId).length;
      write(io, [
        still === 0
          ? `No action of incident ${incidentId} is in force now. The incident stays open until an administrator closes it with its resolution.`
          : `Incident ${incidentId} still has ${still} action${still === 1 ? '' : 's'} in force (enclave platform incidents lists them).`,
      ]);
    }
    return 0;
  });
}

// ---- incidents ----------------------------------------------------------------------------------------------------

const SHOWN_CLOSED = 5;

function restrictionLine(entry: Restriction): string[] {
  const what = { user_suspended: 'person suspended', project_suspended: 'project suspended', egress_frozen: 'egress frozen' }[entry.kind];
  const target =
    entry.target === EVERY_PROJECT ? 'every project' : entry.targetName === null ? entry.target : `${entry.target} (${entry.targetName})`;
  const lines = [
    `  ${entry.id}  ${what}: ${printable(target)}  incident ${entry.incidentId}`,
    `      since ${entry.appliedAt} by ${printable(entry.appliedBy)}: ${printable(entry.reason)}`,
  ];
  if (entry.liftedAt !== null)
    lines.push(`      lifted ${entry.liftedAt} by ${printable(entry.liftedBy ?? '')}: ${printable(entry.liftReason ?? '')}`);
  return lines;
}

function incidentLine(incident: Incident): string[] {
  const lines = [
    `  ${incident.id}  ${incident.status}  ${incident.severity}${incident.personalData ? ', personal data may be involved' : ''}: ${printable(incident.summary)}`,
    `      detected ${incident.detectedAt}; opened ${incident.openedAt} by ${printable(incident.openedBy)}`,
  ];
  if (incident.closedAt !== null)
    lines.push(`      closed ${incident.closedAt} by ${printable(incident.closedBy ?? '')}: ${printable(incident.resolution ?? '')}`);
  return lines;
}

async function listIncidents(values: Values, at: HostRecordsOptions, io: CliIo): Promise<number> {
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageProblem('--format must be text or json.');
  return withRecords(at, async (records) => {
    const overview = await createKillSwitch({ store: records.store, audit: records.audit }).overview();
    if (format === 'json') {
      const { incidents, active, lifted } = overview;
      io.stdout.write(`${JSON.stringify({ incidents, active, lifted }, null, 2)}\n`);
      return 0;
    }
    const open = overview.incidents.filter((incident) => incident.status === 'open');
    const closed = overview.incidents.filter((incident) => incident.status === 'closed');
    const lines = [`Open incidents (${open.length}):`, ...(open.length === 0 ? ['  none'] : open.flatMap(incidentLine))];
    lines.push(`Actions in force (${overview.active.length}), newest first:`);
    lines.push(...(overview.active.length === 0 ? ['  none'] : overview.active.flatMap(restrictionLine)));
    if (overview.active.length > 0) lines.push(`  To lift one: enclave platform lift ${recordsFlags(values)} --action ACT --reason TEXT`);
    if (overview.lifted.length > 0) {
      lines.push(`Lately lifted (${Math.min(SHOWN_CLOSED, overview.lifted.length)} of ${overview.lifted.length}):`);
      lines.push(...overview.lifted.slice(0, SHOWN_CLOSED).flatMap(restrictionLine));
    }
    if (closed.length > 0) {
      lines.push(`Closed incidents (${Math.min(SHOWN_CLOSED, closed.length)} of ${closed.length}, newest first):`);
      lines.push(...closed.slice(0, SHOWN_CLOSED).flatMap(incidentLine));
    }
    write(io, lines);
    return 0;
  });
}

export async function runIncidentCommand(command: IncidentCommand, argv: string[], io: CliIo): Promise<number> {
  const name = `enclave platform ${command}`;
  try {
    const values = parseFlags(command, argv);
    if (values === 'help') {
      io.stdout.write(USAGES[command]);
      return 0;
    }
    const database = await hostDatabaseOf(values);
    const records: HostRecordsOptions = {
      dataDir: values['data-dir'] ?? '',
      create: false,
      ...(database === undefined ? {} : { database }),
      note: (message) => io.stderr.write(`${name}: ${message}\n`),
    };
    if (command === 'lift') return await lift(values, records, io);
    if (command === 'incidents') return await listIncidents(values, records, io);
    if (command === 'access-report') return await accessReportCommand({ values, records, io });
    return await breakGlass({ command, values, records, io });
  } catch (err) {
    if (err instanceof UsageProblem) {
      io.stderr.write(`${name}: ${err.message}\n${err.showUsage ? `\n${USAGES[command]}` : ''}`);
      return 2;
    }
    const why = err instanceof EnclaveError ? err.message : `the platform’s records could not be used: ${(err as Error).message}`;
    io.stderr.write(`${name}: ${why}\n`);
    return 1;
  }
}

export function isIncidentCommand(command: string | undefined): command is IncidentCommand {
  return (INCIDENT_COMMANDS as readonly string[]).includes(command ?? '');
}
