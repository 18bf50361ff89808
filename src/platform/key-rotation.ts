// The operator's side of the identity keys folder (key-folder.ts): making it once, and the three steps of a rotation
// of the signing and cookie keys. These are the only writes to the folder; the platform only reads it.
//
// Each write replaces one file whole (a temporary file, synced, renamed over the old one, then the folder synced), so a
// crash leaves every file old or new, never half. A step rewrites more than one file, though, and may stop between
// two: so what a step does is decided from the files as they are, with `rotation.json`, written by `add` before any key
// and removed by `retire` after the last, naming the rotation's new keys (the new signing key's kid and a hash of the
// new cookie key: no key). Whatever point a step stopped at, running it again finishes it; running a finished step
// again changes nothing; the other steps say which to run. Without the marker (lost, or never written by an older
// version) the files still tell a cut-short `add` or `retire`, not which of two pairs of keys is new: the steps then
// say so, and what to do. The platform ignores rotation.json.
//
// Run as root, the commands act for the folder's owner (the platform's OS user): they accept what it owns, and every
// file they write is given to it (0600), so the platform can still read its keys.
import { createHash } from 'node:crypto';
import { chown, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import type { JWK } from 'jose';
import { z } from 'zod';
import { EnclaveError } from '../common/errors.ts';
import { AUDIT_KEY_FILE, newAuditKeyFile } from './audit/audit-key.ts';
import {
  createArtifactKeys,
  createCookieKeys,
  createSigningKeys,
  IDENTITY_KEY_FILES,
  newCookieKey,
  newSigningKey,
} from './identity/embedded/keys.ts';
import { findKeyFolder, KEY_FOLDER_FILES, missingFiles, readKeysIn, type KeysFingerprint } from './key-folder.ts';
import { currentUid, type ReadOnlySecretFolder } from './secret-file.ts';

/** The marker of a rotation under way: written by `add` before any new key, removed by `retire` after the last write. */
export const ROTATION_FILE = 'rotation.json';

/** An OS user and group that files are given to. */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

const RotationMarkerSchema = z
  .object({
    about: z.string().optional(),
    /** The new signing key's kid (its JWK thumbprint). */
    signing: z.string().min(1),
    /** cookieKeyHash of the new cookie key. */
    cookie: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
type RotationMarker = z.infer<typeof RotationMarkerSchema>;

const MARKER_ABOUT =
  'Written by `enclave platform keys add`, removed by `retire`: names the new keys of the rotation under way (the signing key by kid, the cookie key by a hash). It holds no key; the platform ignores it.';

/** Names a cookie key in the marker without giving it away (a SHA-256 of 32 random bytes). */
function cookieKeyHash(key: string): string {
  return createHash('sha256').update('enclave identity keys rotation\u0000cookie key\u0000').update(key).digest('hex');
}

/** A temporary file of ours: `<name>.<pid>.new`, left behind only by a write that was cut short. */
const TEMPORARY = /^[a-z-]+\.json\.(\d+)\.new$/;

const fileText = (content: unknown): string => `${JSON.stringify(content, null, 2)}\n`;

/** Makes the folder's entries durable: a rename is only kept through a crash once the folder itself is synced. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a file of the folder, 0600 (given to `owner` when run as root), in place of the old one at once: a temporary
 * file is written and synced, then renamed over the old one, and the folder synced. A reader, or a crash, sees the
 * old file or the new, never half of one.
 */
async function replaceFile(options: { folder: string; name: string; content: unknown; owner: FileOwner | null }): Promise<void> {
  const { folder, name, owner } = options;
  const temporary = path.join(folder, `${name}.${process.pid}.new`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(fileText(options.content));
      await handle.chmod(0o600);
      if (owner !== null) await handle.chown(owner.uid, owner.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path.join(folder, name));
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  await syncFolder(folder);
}

async function removeFile(folder: string, name: string): Promise<void> {
  await rm(path.join(folder, name), { force: true });
  await syncFolder(folder);
}

/** Removes the temporary files an interrupted write of ours left (a key in one would otherwise be copied about). */
async function removeLeftovers(folder: string): Promise<void> {
  for (const name of await readdir(folder)) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processIsAlive(Number(pid))) continue;
    await rm(path.join(folder, name), { force: true });
  }
}

/** Whether a process of that id runs (another operator's command mid-write: its temporary file is left alone). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who new files belong to: run as root, the folder's owner (the platform reads them as that user); otherwise whoever runs. */
function ownerOfNewFiles(found: ReadOnlySecretFolder): FileOwner | null {
  return currentUid() === 0 ? found.owner : null;
}

/**
 * Makes the folder (0700) and its four files (0600); refuses to touch a folder that holds any of them. Run as root, the
 * folder and files are given to `owner` (by default the owner of a folder that exists already). Answers the files.
 */
export async function createKeyFolder(folder: string, options: { owner?: FileOwner } = {}): Promise<string[]> {
  const root = currentUid() === 0;
  const { owner } = options;
  if (owner !== undefined && !root && owner.uid !== currentUid()) {
    throw new EnclaveError('invalid_input', `Only root can make ${folder} another OS user's (uid ${owner.uid}): nothing was written.`);
  }
  // Folders made on the way are 0755: the platform's user must be able to pass through them to its keys.
  await mkdir(path.dirname(path.resolve(folder)), { recursive: true, mode: 0o755 });
  await mkdir(folder, { mode: 0o700 }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  let found = await findKeyFolder(folder, { operator: true });
  const missing = await missingFiles(found);
  if (missing.length < KEY_FOLDER_FILES.length) {
    const held = KEY_FOLDER_FILES.filter((name) => !missing.includes(name));
    throw new EnclaveError(
      'invalid_input',
      missing.length === 0
        ? `${folder} already holds ${held.join(', ')}: nothing was written. Shared keys are made once; to change the signing and cookie keys, use \`enclave platform keys add\`.`
        : `${folder} holds ${held.join(', ')} but not ${missing.join(', ')}: a \`create\` that was cut short, or a damaged folder. Nothing was written. If no instance has used it, remove the folder and run \`create\` again; otherwise restore it from the copy the instances use.`,
    );
  }
  if (root && owner !== undefined && found.owner.uid !== owner.uid) {
    if (found.owner.uid !== 0) {
      throw new EnclaveError(
        'invalid_input',
        `${folder} belongs to uid ${found.owner.uid}, not to the owner given (uid ${owner.uid}): nothing was written. Give --owner the folder's owner, or another folder.`,
      );
    }
    await chown(found.realPath, owner.uid, owner.gid);
    found = await findKeyFolder(folder, { operator: true });
  }
  await removeLeftovers(found.realPath);
  const contents: Array<[string, unknown]> = [
    [IDENTITY_KEY_FILES.signing, await createSigningKeys()],
    [IDENTITY_KEY_FILES.cookies, await createCookieKeys()],
    [IDENTITY_KEY_FILES.artifacts, await createArtifactKeys()],
    [AUDIT_KEY_FILE, newAuditKeyFile()],
  ];
  const written: string[] = [];
  for (const [name, content] of contents) {
    await replaceFile({ folder: found.realPath, name, content, owner: root ? (owner ?? found.owner) : null });
    written.push(found.shown(name));
  }
  return written;
}

/** The steps of a rotation of the signing and cookie keys, in the order they are taken. */
export type RotationStep = 'add' | 'promote' | 'retire';

/** What a step did: all of it, the rest of it (after an interruption), or nothing (it had been done). */
export type RotationOutcome = 'done' | 'finished' | 'unchanged';

/** Where a rotation stands, read from the files (see the top of this file for the order each step writes in). */
type RotationState =
  | { readonly kind: 'idle' }
  /** `add` was cut short: the marker is written; the new signing key perhaps (then named here), the new cookie key not. */
  | { readonly kind: 'adding'; readonly newSigning?: string }
  | { readonly kind: 'added' }
  /** `promote` was cut short: the signing keys are moved, the cookie keys not. */
  | { readonly kind: 'promoting' }
  | { readonly kind: 'promoted' }
  /** `retire` was cut short: the old signing key is gone; the old cookie key, or the marker, not yet. */
  | { readonly kind: 'retiring' }
  | { readonly kind: 'stuck'; readonly why: string };

/** The folder as a step finds it. */
interface FolderNow {
  readonly found: ReadOnlySecretFolder;
  readonly signing: readonly JWK[];
  readonly cookies: readonly string[];
  readonly marker: RotationMarker | null;
}

const restore = (folder: string): string =>
  `Restore ${folder} from the copy the instances run with (every step's result was copied there), or from your backup. Nothing was changed.`;

async function readMarker(found: ReadOnlySecretFolder): Promise<RotationMarker | null> {
  if (!(await found.has(ROTATION_FILE))) return null;
  const text = await found.read(ROTATION_FILE, 'the rotation marker file');
  try {
    const parsed = RotationMarkerSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: damaged, as below.
  }
  throw new EnclaveError(
    'unavailable',
    `The rotation marker file ${found.shown(ROTATION_FILE)} is damaged, so no step can tell which keys are new. Put it back from a copy of the folder made after \`add\` (an instance's: it holds no key). ${restore(found.folder)}`,
  );
}

async function readFolderNow(folder: string): Promise<FolderNow> {
  const found = await findKeyFolder(folder, { operator: true });
  const keys = await readKeysIn(found);
  return { found, signing: keys.identity.signing, cookies: keys.identity.cookieKeys, marker: await readMarker(found) };
}

const ordinal = (index: number, count: number): string =>
  index < 0 ? `not among the ${count}` : `${['first', 'second'][index] ?? `number ${index + 1}`} of ${count}`;

/** Where the rotation stands; `stuck` when the files match no point that any step leaves them at. */
function rotationState(now: FolderNow): RotationState {
  const { found, signing, cookies, marker } = now;
  const counts = `${signing.length} signing key${signing.length === 1 ? '' : 's'} and ${cookies.length} cookie key${cookies.length === 1 ? '' : 's'}`;
  if (marker === null) {
    if (signing.length === 1 && cookies.length === 1) return { kind: 'idle' };
    // Without the marker, what only a step cut short leaves (each writes the signing keys before the cookie keys):
    // `add`, having put its new signing key last; `retire`, having kept only the first (the new) signing key.
    if (signing.length === 2 && cookies.length === 1) return { kind: 'adding', newSigning: signing[1].kid! };
    if (signing.length === 1 && cookies.length === 2) return { kind: 'retiring' };
    return {
      kind: 'stuck',
      why: `${found.folder} holds ${counts} but no ${ROTATION_FILE}, which \`add\` writes to name the new ones, so no step can tell which keys are new. Put ${ROTATION_FILE} back from a copy of the folder made after \`add\` (an instance's: it holds no key). ${restore(found.folder)}`,
    };
  }
  const newSigning = signing.findIndex((key) => key.kid === marker.signing);
  const newCookie = cookies.findIndex((key) => cookieKeyHash(key) === marker.cookie);
  const shape = `${signing.length}/${cookies.length} ${newSigning}/${newCookie}`;
  const state: Record<string, RotationState> = {
    '1/1 -1/-1': { kind: 'adding' },
    '2/1 1/-1': { kind: 'adding', newSigning: marker.signing },
    '2/2 1/1': { kind: 'added' },
    '2/2 0/1': { kind: 'promoting' },
    '2/2 0/0': { kind: 'promoted' },
    '1/2 0/0': { kind: 'retiring' },
    '1/1 0/0': { kind: 'retiring' },
  };
  return (
    state[shape] ?? {
      kind: 'stuck',
      why: `${found.folder} holds ${counts}, and the new keys ${ROTATION_FILE} names are ${ordinal(newSigning, signing.length)} (signing) and ${ordinal(newCookie, cookies.length)} (cookie), which is not how any step leaves the folder, so none can go on from it. ${restore(found.folder)}`,
    }
  );
}

/** Why `step` cannot be taken now, and what to run instead; null when it can. */
function refusal(step: RotationStep, state: RotationState, folder: string): EnclaveError | null {
  const order = (message: string) => new EnclaveError('invalid_input', `${message} Nothing was changed.`);
  const interrupted = (other: RotationStep) =>
    order(`\`${other}\` was cut short in ${folder}: run \`enclave platform keys ${other}\` again to finish it before \`${step}\`.`);
  switch (state.kind) {
    case 'stuck':
      return new EnclaveError('unavailable', state.why);
    case 'idle':
      return step === 'add'
        ? null
        : order(
            `No rotation is under way in ${folder}: it holds one signing key and one cookie key${step === 'retire' ? ' (a `retire` that was cut short had finished)' : ''}. Start one with \`enclave platform keys add\`.`,
          );
    case 'adding':
      return step === 'add' ? null : interrupted('add');
    case 'added':
      return step === 'retire'
        ? order(
            `The new keys in ${folder} are not first yet: \`promote\` them, copy the folder to every instance, record it, restart each, and wait out the longest session before \`retire\`.`,
          )
        : null;
    case 'promoting':
      return step === 'promote' ? null : interrupted('promote');
    case 'promoted':
      return step === 'add'
        ? order(`A rotation is under way in ${folder}, its new keys already first: finish it with \`retire\` before starting another.`)
        : null;
    case 'retiring':
      return step === 'retire' ? null : interrupted('retire');
  }
}

type Change = { readonly write: string; readonly content: unknown } | { readonly remove: string };

const signingFile = (keys: readonly JWK[]): Change => ({ write: IDENTITY_KEY_FILES.signing, content: { keys } });
const cookieFile = (keys: readonly string[]): Change => ({ write: IDENTITY_KEY_FILES.cookies, content: { keys } });
const markerFile = (marker: Omit<RotationMarker, 'about'>): Change => ({
  write: ROTATION_FILE,
  content: { about: MARKER_ABOUT, signing: marker.signing, cookie: marker.cookie },
});

/** The writes that take (or finish) `step` from `state`, in order; the step was not refused. */
async function changesFor(step: RotationStep, state: RotationState, now: FolderNow): Promise<Change[]> {
  const { signing, cookies } = now;
  const kind = state.kind;
  if (step === 'add') {
    if (kind === 'added') return [];
    const cookie = newCookieKey();
    if (kind === 'adding' && state.newSigning !== undefined) {
      // The new signing key is in place; the cookie key the marker named was never written, so a new one is named.
      return [markerFile({ signing: state.newSigning, cookie: cookieKeyHash(cookie) }), cookieFile([...cookies, cookie])];
    }
    // The marker first: from then on, whatever is written, the new keys are known.
    const key = await newSigningKey();
    return [
      markerFile({ signing: key.kid!, cookie: cookieKeyHash(cookie) }),
      signingFile([...signing, key]),
      cookieFile([...cookies, cookie]),
    ];
  }
  if (step === 'promote') {
    if (kind === 'promoted') return [];
    const moved = [cookieFile([cookies[1], cookies[0]])];
    return kind === 'promoting' ? moved : [signingFile([signing[1], signing[0]]), ...moved];
  }
  // retire: the new keys are first; the old ones go, then the marker.
  return [
    ...(signing.length > 1 ? [signingFile([signing[0]])] : []),
    ...(cookies.length > 1 ? [cookieFile([cookies[0]])] : []),
    { remove: ROTATION_FILE },
  ];
}

/**
 * One step of a rotation, on the folder (the operator's copy; every instance needs the result, then a restart):
 * `add` puts a new signing key and a new cookie key last; `promote` moves them first; `retire` drops the old ones.
 * A step that was cut short is finished by running it again. Answers the folder's fingerprint after the step.
 */
export async function rotateKeyFolder(
  folder: string,
  step: RotationStep,
): Promise<{ fingerprint: KeysFingerprint; outcome: RotationOutcome }> {
  const now = await readFolderNow(folder);
  const state = rotationState(now);
  const refused = refusal(step, state, folder);
  if (refused !== null) throw refused;
  const changes = await changesFor(step, state, now);
  const { found } = now;
  if (changes.length > 0) await removeLeftovers(found.realPath);
  for (const change of changes) {
    if ('remove' in change) await removeFile(found.realPath, change.remove);
    else await replaceFile({ folder: found.realPath, name: change.write, content: change.content, owner: ownerOfNewFiles(found) });
  }
  const fromStart =
    state.kind === 'idle' || (step === 'promote' && state.kind === 'added') || (step === 'retire' && state.kind === 'promoted');
  const outcome: RotationOutcome = changes.length === 0 ? 'unchanged' : fromStart ? 'done' : 'finished';
  return { fingerprint: (await readKeysIn(await findKeyFolder(folder, { operator: true }))).fingerprint, outcome };
}
