// What every handler of the platform's API is given: the records, the agreements, the services. Apart from v1-routes.ts,
// so the handler tables (admin-routes.ts, incident-routes.ts, …) that v1-routes.ts gathers do not import it back.
import type { AuditLog } from '../audit/audit-log.ts';
import type { AgreementsInForce } from '../authz/access-policy.ts';
import type { DriveService } from '../drives/service-api.ts';
import type { IdentityInfo } from '../identity/identity-config.ts';
import type { KillSwitch } from '../incidents/kill-switch.ts';
import type { OperationRegistry } from '../incidents/operations.ts';
import type { FieldKinds } from '../minimisation/project-treatments.ts';
import type { Oversight } from '../people/oversight.ts';
import type { PeopleService } from '../people/people-service.ts';
import type { StandingService } from '../people/standing.ts';
import type { QueryService } from '../query/query-service.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

export interface V1Dependencies {
  readonly store: MetadataStore;
  /** Where session events and refused reports are recorded. */
  readonly audit: AuditLog;
  /** 'demo': the embedded identity provider with demo accounts; 'production': an external issuer. */
  readonly mode: 'demo' | 'production';
  /** How to sign in; undefined while the embedded provider waits for the platform's address. */
  readonly identity: () => IdentityInfo | undefined;
  /** The data-sharing agreements in force (live: an edited file takes effect without a restart). */
  readonly agreements: AgreementsInForce;
  /** Each catalogue field's kind, which decides its default treatment. */
  readonly fieldKinds: FieldKinds;
  /** Minimised queries and samples, on each project's minimised copy. */
  readonly queries: QueryService;
  /** Incidents, suspensions and frozen egress: asked on every project-scoped call. */
  readonly killSwitch: KillSwitch;
  /** Queries and samples under way, so the kill switch can stop them. */
  readonly operations: OperationRegistry;
  /** People: registering, enrolment, roles and status. */
  readonly people: PeopleService;
  /** Terms of use and training. */
  readonly standing: StandingService;
  /** The usage report, the security review and the expiries panel. */
  readonly oversight: Oversight;
  /** The projects' workspace drives. */
  readonly drives: DriveService;
  /** The platform's address for clients (no trailing slash), when configured: the WebDAV address shown with an app password. */
  readonly publicUrl?: () => string | undefined;
  /** The clock agreements and memberships are judged by; the real one by default. */
  readonly now?: () => Date;
}
