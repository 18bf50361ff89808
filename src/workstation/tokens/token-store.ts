// Where the refresh token lives between runs: the OS keychain through keytar (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows), or memory only. Never a file: where no keychain works, closing the app
// signs the user out, and the UI says so once.
//
// keytar is loaded lazily (it is a native addon and an optional dependency) and every call has a deadline: a
// locked keyring may wait for a password prompt nobody sees, and a missing D-Bus may hang; neither may hang the app.
import { z } from 'zod';
import { bestEffort, handledElsewhere, settled } from '../../common/detached.ts';

export const KEYCHAIN_SERVICE = 'Enclave';

/** What is kept per issuer+client: enough to restore the session and to hold its time bound across restarts. */
export const StoredSessionSchema = z.object({
  version: z.literal(1),
  refreshToken: z.string().min(1),
  /** The user's subject at the issuer: a restore must come back as the same person. */
  sub: z.string().min(1),
  signedInAt: z.string(),
  sessionEndsAt: z.string(),
});
export type StoredSession = z.infer<typeof StoredSessionSchema>;

export type TokenStorageKind = 'keychain' | 'memory';

export interface TokenStore {
  /** Where records go now (a keychain that fails turns into memory). */
  readonly kind: TokenStorageKind;
  load(account: string): Promise<StoredSession | null>;
  save(account: string, record: StoredSession): Promise<void>;
  remove(account: string): Promise<void>;
}

/** The part of keytar this module uses. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export class KeychainUnavailable extends Error {}

/** The keychain account for one issuer and client (and purpose: the CLI keeps its own sign-in). */
export function keychainAccount(options: { issuer: string; clientId: string; purpose?: 'workstation' | 'cli' }): string {
  const suffix = options.purpose === 'cli' ? ' cli' : '';
  return `${options.issuer} ${options.clientId}${suffix}`;
}

export async function loadKeytar(): Promise<KeytarLike> {
  const module = (await import('keytar')) as unknown as { default?: KeytarLike } & KeytarLike;
  return module.default ?? module;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new KeychainUnavailable(`The keychain did not answer within ${ms} ms (${what}); it may be locked.`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function createMemoryTokenStore(): TokenStore {
  const records = new Map<string, StoredSession>();
  return {
    kind: 'memory',
    load: async (account) => records.get(account) ?? null,
    save: async (account, record) => {
      records.set(account, record);
    },
    remove: async (account) => {
      records.delete(account);
    },
  };
}

export interface KeychainStoreOptions {
  keytar?: () => Promise<KeytarLike>;
  /** Deadline for each keychain call. */
  timeoutMs?: number;
}

export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 3_000;

/** The keychain alone: every failure throws KeychainUnavailable (the CLI wants exactly that). */
export function createKeychainTokenStore(options: KeychainStoreOptions = {}): TokenStore & { probe(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
  let keytar: Promise<KeytarLike> | undefined;
  /** Writes that missed their deadline but may still land, per account: a removal must follow them. */
  const lateWrites = new Map<string, Promise<void>>();

  async function call<T>(what: string, run: (k: KeytarLike) => Promise<T>): Promise<T> {
    try {
      keytar ??= withDeadline((options.keytar ?? loadKeytar)(), timeoutMs, 'loading keytar');
      return await withDeadline(run(await keytar), timeoutMs, what);
    } catch (err) {
      if (err instanceof KeychainUnavailable) throw err;
      throw new KeychainUnavailable(`The keychain cannot be used: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  return {
    kind: 'keychain',
    async probe() {
      await call('probe', (k) => k.getPassword(KEYCHAIN_SERVICE, 'probe'));
    },
    async load(account) {
      const text = await call('read', (k) => k.getPassword(KEYCHAIN_SERVICE, account));
      if (text === null) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return null;
      }
      const record = StoredSessionSchema.safeParse(parsed);
      return record.success ? record.data : null;
    },
    async save(account, record) {
      const text = JSON.stringify(StoredSessionSchema.parse(record));
      let write: Promise<void> | undefined;
      try {
        await call('write', (k) => (write = k.setPassword(KEYCHAIN_SERVICE, account, text)));
      } catch (err) {
        if (write !== undefined) {
          const late = settled(write);
          lateWrites.set(account, late);
          handledElsewhere(
            late.then(() => {
              if (lateWrites.get(account) === late) lateWrites.delete(account);
            }),
          );
        }
        throw err;
      }
    },
    async remove(account) {
      // A write that timed out may complete after this removal: delete again once it has.
      const late = lateWrites.get(account);
      if (late !== undefined) {
        bestEffort(late.then(() => call('delete after a late write', (k) => k.deletePassword(KEYCHAIN_SERVICE, account))));
      }
      await call('delete', (k) => k.deletePassword(KEYCHAIN_SERVICE, account));
    },
  };
}

export interface FallbackStoreOptions extends KeychainStoreOptions {
  /** Told once, when the keychain fails and records move to memory. */
  onFallback(reason: string): void;
}

/**
 * The workstation's store: the keychain while it works, memory from its first failure on (for the rest of the run:
 * a keychain that timed out once is not asked to read or write again, so no more calls pile up behind a locked
 * keyring). Removals still go to the keychain: forgetting a sign-in is worth the wait.
 */
export function createFallbackTokenStore(options: FallbackStoreOptions): TokenStore & { ready: Promise<void> } {
  const keychain = createKeychainTokenStore(options);
  const memory = createMemoryTokenStore();
  let kind: TokenStorageKind = 'keychain';

  function fallBack(err: unknown): void {
    if (kind === 'memory') return;
    kind = 'memory';
    options.onFallback(err instanceof Error ? err.message : String(err));
  }

  async function either<T>(onKeychain: () => Promise<T>, onMemory: () => Promise<T>): Promise<T> {
    if (kind === 'keychain') {
      try {
        return await onKeychain();
      } catch (err) {
        fallBack(err);
      }
    }
    return onMemory();
  }

  // Probe at once, so the UI knows where tokens will go before anyone signs in.
  const ready = keychain.probe().catch(fallBack);

  return {
    get kind() {
      return kind;
    },
    ready,
    load: (account) =>
      either(
        () => keychain.load(account),
        () => memory.load(account),
      ),
    async save(account, record) {
      await either(
        () => keychain.save(account, record),
        () => memory.save(account, record),
      );
    },
    async remove(account) {
      await memory.remove(account);
      // The keychain is asked even after falling back (with its deadline): a token written there earlier, or by a
      // write that timed out and lands late, must not outlive a sign-out or a lock.
      try {
        await keychain.remove(account);
      } catch (err) {
        fallBack(err);
      }
    },
  };
}
