// Workspace drives (issue 17): a shared folder per project, served by the platform (its own API for Enclave, WebDAV for
// standard clients) and kept in step with a local folder by the workstation's sync engine. Pure zod and pure rules,
// shared by the platform's routes (src/common/platform-api.ts), the workstation contract (src/common/contract.ts), the
// sync engine and the renderer. The name policy lives here so that the platform refuses what the workstation already
// reports as a clash, for the same reason in the same words; the platform is the one that enforces it.
// This file must not import contract.ts at run time: contract.ts imports it.
import { z } from 'zod';

// ---- Names and paths ------------------------------------------------------------------------------------------------

/** The longest name of one file or folder, in UTF-8 bytes (the common limit of ext4, APFS and NTFS's 255 UTF-16 units). */
export const DRIVE_NAME_MAX_BYTES = 255;
/** The longest path below the drive's root, in characters (Windows' classic limit less room for the local root). */
export const DRIVE_PATH_MAX_CHARS = 1024;
/** The deepest folder nesting. */
export const DRIVE_MAX_DEPTH = 32;

/** Names Windows reserves for devices, with or without an extension (CON, CON.txt, COM1, LPT9.csv ...). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])(\..*)?$/i;
/** Characters refused in a name on Windows (and `/` everywhere), plus control characters. */
const FORBIDDEN_CHARACTERS = /[<>:"/\\|?*\p{Cc}]/u;

/** Why a name cannot be a drive entry's, or null when it can. Pass the name as typed: it is judged after NFC. */
export function driveNameProblem(name: string): string | null {
  const nfc = name.normalize('NFC');
  if (nfc.length === 0) return 'a name must not be empty';
  if (nfc === '.' || nfc === '..') return `"${nfc}" is not a name`;
  if (new TextEncoder().encode(nfc).length > DRIVE_NAME_MAX_BYTES) return `a name must be at most ${DRIVE_NAME_MAX_BYTES} bytes`;
  const forbidden = FORBIDDEN_CHARACTERS.exec(nfc);
  if (forbidden) {
    const shown = /\p{Cc}/u.test(forbidden[0]) ? 'a control character' : `"${forbidden[0]}"`;
    return `a name must not contain ${shown} (refused on Windows${forbidden[0] === '/' ? ', macOS and Linux' : ''})`;
  }
  if (/[ .]$/u.test(nfc)) return 'a name must not end with a space or a full stop (Windows drops them)';
  if (/^\s/u.test(nfc)) return 'a name must not start with a space';
  if (WINDOWS_DEVICE.test(nfc)) return `"${nfc}" is a device name on Windows`;
  // With the u flag, a surrogate pair is one code point: only a lone surrogate matches.
  if (/[\uD800-\uDFFF]/u.test(nfc)) return 'a name must be well-formed Unicode';
  return null;
}

/**
 * The key two names share when no file system can tell them apart: NFC, then Unicode case folding (as far as
 * JavaScript offers it: lower case of the upper case, so "ß", "SS" and "ss" meet). No two entries of a folder may
 * share a key: "Report.csv" and "report.csv", or an NFC and an NFD spelling of "café", are twins.
 */
export function driveNameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/** A path's segments: '' is the root (no segments). Throws nothing: call `drivePathProblem` first. */
export function drivePathSegments(drivePath: string): string[] {
  return drivePath === '' ? [] : drivePath.split('/');
}

/** Why a path below the drive's root cannot be used, or null. A path is its names joined by "/", no leading "/". */
export function drivePathProblem(drivePath: string): string | null {
  if (drivePath === '') return null;
  if (drivePath.length > DRIVE_PATH_MAX_CHARS) return `a path must be at most ${DRIVE_PATH_MAX_CHARS} characters`;
  const segments = drivePath.split('/');
  if (segments.length > DRIVE_MAX_DEPTH) return `folders may nest at most ${DRIVE_MAX_DEPTH} deep`;
  for (const segment of segments) {
    const problem = driveNameProblem(segment);
    if (problem) return `${segment === '' ? 'a path must not have an empty part' : problem}`;
  }
  return null;
}

/** The path in its canonical form (each name NFC). Call `drivePathProblem` first. */
export function canonicalDrivePath(drivePath: string): string {
  return drivePath.normalize('NFC');
}

/** The key of a whole path (each name's key): two paths with the same key are the same entry. */
export function drivePathKey(drivePath: string): string {
  return drivePathSegments(drivePath).map(driveNameKey).join('/');
}

export function parentDrivePath(drivePath: string): string {
  const at = drivePath.lastIndexOf('/');
  return at < 0 ? '' : drivePath.slice(0, at);
}

export function driveBaseName(drivePath: string): string {
  return drivePath.slice(drivePath.lastIndexOf('/') + 1);
}

/** A path below a drive's root, as sent: checked by the name policy. */
export const DrivePathSchema = z
  .string()
  .max(DRIVE_PATH_MAX_CHARS * 4)
  .superRefine((value, context) => {
    const problem = drivePathProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .transform(canonicalDrivePath);

/** A path that names an entry (not the root). */
export const DriveEntryPathSchema = DrivePathSchema.refine((value) => value !== '', 'must name a file or folder, not the root');

// ---- Conflict copies --------------------------------------------------------------------------------------------------

/**
 * The name of the copy that keeps the later of two edits: `name (conflict <Person> YYYY-MM-DD HHmmss UTC).ext`.
 * The person's name loses characters no file system takes; the extension is the last one (".tar.gz" keeps ".gz").
 */
export function conflictCopyName(name: string, person: string, at: Date): string {
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const who = person.replace(/[<>:"/\\|?*\p{Cc}()]/gu, '').trim() || 'someone';
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 10)} ${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)} UTC`;
  return `${stem} (conflict ${who} ${stamp})${extension}`;
}

// ---- What the platform answers ----------------------------------------------------------------------------------------

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');
const PersonSchema = z.object({ id: z.string(), name: z.string() });
export type DrivePerson = z.infer<typeof PersonSchema>;

/** The strong ETag of an entry's current content: `"<sha256>-<version>"` with its quotes, as HTTP sends it. */
export const DriveEtagSchema = z.string().regex(/^"[0-9a-f]{64}-\d+"$/, 'must be a drive ETag');
export function driveEtag(sha256: string, version: number): string {
  return `"${sha256}-${version}"`;
}

export const DriveEntrySchema = z.object({
  /** The canonical path below the drive's root. */
  path: z.string(),
  name: z.string(),
  kind: z.enum(['file', 'folder']),
  /** Bytes (0 for a folder). */
  size: z.number().int().nonnegative(),
  /** Null for a folder. */
  sha256: Sha256Schema.nullable(),
  /** Null for a folder. */
  etag: DriveEtagSchema.nullable(),
  /** Moves on with every write of this path (1 for a new entry). */
  version: z.number().int().positive(),
  modifiedAt: z.iso.datetime(),
  modifiedBy: PersonSchema,
  /** Who holds a WebDAV lock on it now, if anyone. */
  lockedBy: PersonSchema.nullable(),
});
export type DriveEntry = z.infer<typeof DriveEntrySchema>;

export const DriveInfoSchema = z.object({
  projectId: z.string(),
  /** Stays the same for the drive's life; a sync journal bound to another id is not this drive's. */
  driveId: z.string(),
  /** Moves on when the platform's drive store is restored from a backup: every journal made before must resync. */
  epoch: z.number().int().positive(),
  quotaBytes: z.number().int().positive(),
  /** Current files plus kept versions plus trash: what counts against the quota. */
  usedBytes: z.number().int().nonnegative(),
  /** How many earlier versions of a file the platform keeps. */
  keepVersions: z.number().int().nonnegative(),
  /** How long a deleted entry stays in the trash, in days. */
  trashDays: z.number().int().positive(),
  files: z.number().int().nonnegative(),
});
export type DriveInfo = z.infer<typeof DriveInfoSchema>;

/** One folder's entries, folders first, then by name. */
export const DriveFolderSchema = z.object({ drive: DriveInfoSchema, path: z.string(), entries: z.array(DriveEntrySchema) });
export type DriveFolder = z.infer<typeof DriveFolderSchema>;

/** Every live entry of the drive (the sync engine's view of the platform), and the change counter it was read at. */
export const DriveTreeSchema = z.object({
  drive: DriveInfoSchema,
  cursor: z.number().int().nonnegative(),
  entries: z.array(DriveEntrySchema),
});
export type DriveTree = z.infer<typeof DriveTreeSchema>;

export const DriveChangeKindSchema = z.enum(['created', 'written', 'restored', 'deleted', 'moved']);
export const DriveVersionSchema = z.object({
  version: z.number().int().positive(),
  sha256: Sha256Schema,
  size: z.number().int().nonnegative(),
  at: z.iso.datetime(),
  by: PersonSchema,
  /** What made this version. */
  change: DriveChangeKindSchema,
  current: z.boolean(),
});
export type DriveVersion = z.infer<typeof DriveVersionSchema>;
export const DriveVersionsSchema = z.object({ path: z.string(), versions: z.array(DriveVersionSchema) });

export const TrashIdSchema = z.string().regex(/^trash-[0-9a-f]{20}$/, 'must be a trash id (trash- and 20 hex digits)');
export const DriveTrashEntrySchema = z.object({
  trashId: TrashIdSchema,
  path: z.string(),
  kind: z.enum(['file', 'folder']),
  /** Bytes, with everything inside a folder. */
  size: z.number().int().nonnegative(),
  deletedAt: z.iso.datetime(),
  deletedBy: PersonSchema,
  /** When it leaves the trash for good. */
  purgeAt: z.iso.datetime(),
});
export type DriveTrashEntry = z.infer<typeof DriveTrashEntrySchema>;

export const AppPasswordIdSchema = z.string().regex(/^app-[0-9a-f]{20}$/, 'must be an app password id (app- and 20 hex digits)');
export const AppPasswordSchema = z.object({
  id: AppPasswordIdSchema,
  label: z.string(),
  /** The WebDAV user name to pair with it. */
  username: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type AppPassword = z.infer<typeof AppPasswordSchema>;
/** A new app password: the secret is in this answer only (stored hashed). */
export const NewAppPasswordSchema = z.object({ appPassword: AppPasswordSchema, secret: z.string(), davUrl: z.string() });

export const UploadIdSchema = z.string().regex(/^up-[0-9a-f]{24}$/, 'must be an upload id (up- and 24 hex digits)');
export const UploadSessionSchema = z.object({
  uploadId: UploadIdSchema,
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: Sha256Schema,
  /** Bytes received so far: the next chunk starts here. */
  offset: z.number().int().nonnegative(),
  expiresAt: z.iso.datetime(),
});
export type UploadSession = z.infer<typeof UploadSessionSchema>;

// ---- What Enclave sends -----------------------------------------------------------------------------------------------

/**
 * The condition a write is made on: the ETag the writer last saw (the write happens only if it is still current),
 * `absent` (only if nothing is at the path), or `any` (whatever is there: a standard client's plain PUT).
 */
export const WriteConditionSchema = z.union([
  z.object({ ifMatch: DriveEtagSchema }).strict(),
  z.object({ ifAbsent: z.literal(true) }).strict(),
  z.object({ any: z.literal(true) }).strict(),
]);
export type WriteCondition = z.infer<typeof WriteConditionSchema>;

export const StartUploadSchema = z
  .object({
    path: DriveEntryPathSchema,
    size: z.number().int().nonnegative(),
    sha256: Sha256Schema,
    condition: WriteConditionSchema,
  })
  .strict()
  .describe('The upload');
export type StartUpload = z.infer<typeof StartUploadSchema>;

export const MakeFolderSchema = z.object({ path: DriveEntryPathSchema }).strict().describe('The folder');
export const MoveEntrySchema = z
  .object({ from: DriveEntryPathSchema, to: DriveEntryPathSchema, ifMatch: DriveEtagSchema.nullable() })
  .strict()
  .describe('The move');
export const DeleteEntrySchema = z
  .object({
    path: DriveEntryPathSchema,
    ifMatch: DriveEtagSchema.nullable(),
    // The tree cursor the deleter last saw (drive.tree): refused if anything in the subtree changed after it.
    unchangedSince: z.number().int().nonnegative().optional(),
  })
  .strict()
  .describe('The delete');
export const RestoreVersionSchema = z
  .object({ path: DriveEntryPathSchema, version: z.number().int().positive() })
  .strict()
  .describe('The version to restore');
export const RestoreTrashSchema = z.object({ trashId: TrashIdSchema }).strict().describe('The entry to restore');
export const CreateAppPasswordSchema = z
  .object({ label: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters') })
  .strict()
  .describe('The app password');

/** Defaults a drive starts with (a project's agreement or the platform's configuration may change them). */
export const DRIVE_DEFAULTS = { quotaBytes: 10 * 1024 ** 3, keepVersions: 20, trashDays: 30 } as const;
/** The largest chunk of an upload in one request. */
export const UPLOAD_CHUNK_MAX_BYTES = 8 * 1024 * 1024;
/** The WebDAV mount of a project's drive, below the platform's origin. */
export function davPath(projectId: string): string {
  return `/dav/${projectId}/`;
}
