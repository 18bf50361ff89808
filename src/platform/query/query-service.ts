// The platform's query service: the one way rows leave the platform's data. A query is parsed by the engine's own
// parser, checked (sql-check.ts: one read-only SELECT over the project's relations, allow-listed functions), and run
// on the project's minimised copy, which holds nothing the agreement does not allow; its errors reach the analyst
// sanitised (query-errors.ts). Samples are read from the same copy. Every query and sample is audited with the
// agreement's version, the relations it read, its rows, its duration and its outcome.
import type { Project, Role } from '../../common/contract.ts';
import { inBackground } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { RowsFormat } from '../../common/platform-api.ts';
import type { AgreementInForce } from '../agreements/loader.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { EngineQueryError, QUERY_WRAPPER_PREFIX_CHARS } from '../engine/copy-serve.ts';
import type { CopyAnswer, CopyProgress, DataEngine, ProjectCopy } from '../engine/data-engine.ts';
import type { ProjectKeys } from '../minimisation/project-keys.ts';
import { projectCopySpec } from '../minimisation/project-copy.ts';
import type { FieldKinds } from '../minimisation/project-treatments.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import { sanitisedQueryError } from './query-errors.ts';
import { checkSerializedQuery } from './sql-check.ts';

/** Who asks, as the audit log records them. */
export interface Asker {
  readonly userId: string;
  readonly role: Role;
  /** 'api' for a person through the API; 'operator' for `enclave platform query` run on the platform's machine. */
  readonly via: 'api' | 'operator';
  /** For an operator's action: the OS account that ran it. */
  readonly operator?: string;
}

export interface ProjectInForce {
  readonly project: Project;
  readonly agreement: AgreementInForce;
}

export interface QueryService {
  /** The project's minimised copy under its agreement (built now if its agreement, data or key changed). */
  copyFor(agreement: AgreementInForce): Promise<ProjectCopy>;
  /** Prepares the copies of these agreements one after another in the background, logging failures. */
  prepare(agreements: readonly AgreementInForce[]): void;
  /** Checks and runs one SELECT on the project's copy; the whole answer, or an error that names nothing hidden. */
  query(request: ProjectInForce & { asker: Asker; sql: string; format: RowsFormat; signal?: AbortSignal }): Promise<CopyAnswer>;
  /** The first `limit` rows of one of the project's relations, in its sample order (treated values only). */
  sample(
    request: ProjectInForce & { asker: Asker; datasetId: string; limit: number; format: RowsFormat; signal?: AbortSignal },
  ): Promise<CopyAnswer>;
}

export interface QueryServiceOptions {
  readonly store: MetadataStore;
  readonly engine: DataEngine;
  readonly audit: AuditLog;
  readonly fieldKinds: FieldKinds;
  readonly projectKeys: ProjectKeys;
  /** Where copy builds report progress, and what only the operator may read (engine messages). */
  readonly log?: (message: string, detail?: unknown) => void;
}

const NO_RELATION = (projectName: string): EnclaveError =>
  new EnclaveError('forbidden', `${projectName}'s agreement makes no data available to it, so there is nothing to query.`);

export function createQueryService(options: QueryServiceOptions): QueryService {
  const { store, engine, audit } = options;
  const log = options.log ?? (() => {});

  async function copyFor(agreement: AgreementInForce): Promise<ProjectCopy> {
    const { projectId } = agreement;
    const spec = projectCopySpec({
      agreement,
      datasets: await store.listDatasets(),
      kinds: options.fieldKinds,
      projectKey: await options.projectKeys.keyFor(projectId),
    });
    return engine.copy(spec, {
      onProgress: (progress: CopyProgress) =>
        log(`Preparing the minimised copy of ${projectId}: ${progress.stage} (${progress.done}/${progress.total}).`),
    });
  }

  /** The audit event of one query or sample, whatever its outcome. */
  async function record(event: {
    type: 'query.run' | 'sample.read';
    asker: Asker;
    access: ProjectInForce;
    started: number;
    outcome: 'success' | 'failure';
    details: Record<string, unknown>;
  }): Promise<void> {
    await audit.append({
      type: event.type,
      actor: event.asker.userId,
      outcome: event.outcome,
      details: {
        role: event.asker.role,
        via: event.asker.via,
        ...(event.asker.operator === undefined ? {} : { operator: event.asker.operator }),
        projectId: event.access.project.id,
        agreementVersion: event.access.agreement.version,
        durationMs: Math.round(performance.now() - event.started),
        ...event.details,
      },
    });
  }

  /** What the analyst is told of a failure: our own errors as they are, the engine's sanitised, anything else vague. */
  function shown(err: unknown, sql: string, copy: ProjectCopy | undefined): EnclaveError {
    if (err instanceof EnclaveError) return err;
    if (err instanceof EngineQueryError && copy !== undefined) {
      const visibleNames = new Set(copy.relations.flatMap((relation) => [relation.id, ...relation.columns.map((column) => column.name)]));
      const sanitised = sanitisedQueryError(err.engineMessage, { sqlText: err.wrappedSql, visibleNames });
      // Positions count in the wrapper's text; the analyst's text starts after its prefix.
      const position = sanitised.position === undefined ? undefined : sanitised.position - QUERY_WRAPPER_PREFIX_CHARS;
      const inText = position !== undefined && position >= 0 && position <= sql.length ? { position } : {};
      return new EnclaveError('invalid_input', sanitised.message, inText);
    }
    log('A platform query failed inside the engine.', err);
    return new EnclaveError('internal', 'The platform could not run the query. Its log says why.');
  }

  return {
    copyFor,

    prepare(agreements) {
      for (const agreement of agreements) {
        inBackground(copyFor(agreement), (err) => log(`The minimised copy of ${agreement.projectId} could not be prepared.`, err));
      }
    },

    async query(request) {
      const { asker, sql, format, signal } = request;
      const started = performance.now();
      let copy: ProjectCopy | undefined;
      let relations: readonly string[] = [];
      try {
        copy = await copyFor(request.agreement);
        if (copy.relations.length === 0) throw NO_RELATION(request.project.name);
        const parsed = await copy.parse(sql);
        const checked = checkSerializedQuery(parsed, { sqlText: sql, relations: new Set(copy.relations.map((relation) => relation.id)) });
        relations = checked.relations;
        const answer = await copy.query({ sql, parsed, format, rowCap: request.agreement.agreement.rowCap, ...(signal ? { signal } : {}) });
        await record({
          type: 'query.run',
          asker,
          access: request,
          started,
          outcome: 'success',
          details: { sql, relations, rows: answer.rows, format },
        });
        return answer;
      } catch (err) {
        const error = shown(err, sql, copy);
        await record({
          type: 'query.run',
          asker,
          access: request,
          started,
          outcome: 'failure',
          details: { sql, relations, rows: null, format, code: error.code, reason: error.message },
        });
        throw error;
      }
    },

    async sample(request) {
      const { asker, datasetId, limit, format, signal } = request;
      const started = performance.now();
      try {
        const { rowCap } = request.agreement.agreement;
        if (limit > rowCap) {
          throw new EnclaveError(
            'invalid_input',
            `This project's agreement allows at most ${rowCap.toLocaleString('en-GB')} rows in one answer: ask for a smaller sample.`,
          );
        }
        const copy = await copyFor(request.agreement);
        if (!copy.relations.some((relation) => relation.id === datasetId)) {
          throw new EnclaveError('forbidden', 'No field of this dataset is available to this project.');
        }
        const answer = await copy.sample({ relation: datasetId, limit, format, ...(signal ? { signal } : {}) });
        await record({
          type: 'sample.read',
          asker,
          access: request,
          started,
          outcome: 'success',
          details: { datasetId, limit, rows: answer.rows, format },
        });
        return answer;
      } catch (err) {
        const error =
          err instanceof EnclaveError ? err : new EnclaveError('internal', 'The platform could not read the sample. Its log says why.');
        if (!(err instanceof EnclaveError)) log('A sample failed inside the engine.', err);
        await record({
          type: 'sample.read',
          asker,
          access: request,
          started,
          outcome: 'failure',
          details: { datasetId, limit, rows: null, format, code: error.code, reason: error.message },
        });
        throw error;
      }
    },
  };
}
