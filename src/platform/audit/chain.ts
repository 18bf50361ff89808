// How an audit event is sealed. Each event carries the hash of the one before (prevHash) and its own seal over
// the canonical JSON of its contents: HMAC-SHA-256 under the platform's audit key for events written since keyed
// chaining ('hmac-sha256'), plain sha256 for events written before it ('sha256'). Someone who can write the
// database but not read the key can recompute a sha256, never a MAC.
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json.ts';

/** The hash the first event points back to. */
export const GENESIS_HASH = '0'.repeat(64);

export const KEYED_CHAIN = 'hmac-sha256';
export const LEGACY_CHAIN = 'sha256';
export type AuditChain = typeof KEYED_CHAIN | typeof LEGACY_CHAIN;

export type AuditOutcome = 'success' | 'failure';

export interface AuditEvent {
  readonly seq: number;
  /** ISO 8601, UTC, milliseconds. */
  readonly occurredAt: string;
  readonly type: string;
  readonly actor: string | null;
  readonly outcome: AuditOutcome;
  /** Canonical JSON of the details object. */
  readonly details: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly chain: AuditChain;
}

/** An event's sealed contents: everything but its own hash and the name of its chain. */
export type SealedContent = Pick<AuditEvent, 'seq' | 'occurredAt' | 'type' | 'actor' | 'details' | 'prevHash'> & {
  readonly outcome: string;
};

/**
 * A row as the database holds it, before anyone has checked it: someone who can write the file can put any
 * chain or outcome there, so these are plain strings until the verifier has looked.
 */
export interface StoredAuditEvent extends SealedContent {
  readonly hash: string;
  readonly chain: string;
}

function contentFields(event: SealedContent): { readonly [key: string]: JsonValue } {
  return {
    seq: event.seq,
    occurredAt: event.occurredAt,
    type: event.type,
    actor: event.actor,
    outcome: event.outcome,
    details: event.details,
    prevHash: event.prevHash,
  };
}

function contentJson(event: SealedContent): string {
  return canonicalJson(contentFields(event));
}

/** sha256 over the canonical JSON of the event's contents: how events were sealed before keyed chaining. */
export function hashAuditEvent(event: SealedContent): string {
  return createHash('sha256').update(contentJson(event), 'utf8').digest('hex');
}

/** HMAC-SHA-256 under the audit key over the same canonical JSON. */
export function macAuditEvent(key: Buffer, event: SealedContent): string {
  return createHmac('sha256', key).update(contentJson(event), 'utf8').digest('hex');
}

/** The seal the event should carry given its chain, or null when it cannot be computed (unknown chain, no key). */
export function expectedSeal(event: SealedContent & { readonly chain: string }, key: Buffer | null): string | null {
  if (event.chain === LEGACY_CHAIN) return hashAuditEvent(event);
  if (event.chain === KEYED_CHAIN && key !== null) return macAuditEvent(key, event);
  return null;
}

/**
 * A digest of every stored event, all of each row (contents, hash and chain) in order: what an accepted break
 * records of the events before it, so that the acceptance covers exactly those rows and no edit made after it.
 */
export function digestOfEvents(events: Iterable<StoredAuditEvent>): string {
  const digest = createHash('sha256');
  for (const event of events) {
    digest.update(`${canonicalJson({ ...contentFields(event), hash: event.hash, chain: event.chain })}\n`, 'utf8');
  }
  return digest.digest('hex');
}
