// The Drive screen's words and small rules (issue 17), kept apart from its components so they are tested alone: the
// breadcrumbs of a folder, where a file stands with this computer's folder, the sync's phase and a transfer in words,
// the quota, a version's change, and the names the forms suggest (a table's name from a file's, a file's from a table's).
import type { DriveFileFormat, DriveSyncStatusView, DriveSyncView } from '../../../src/common/contract.ts';
import { DRIVE_FORMAT_EXTENSIONS, driveFileFormatOf } from '../../../src/common/contract.ts';
import { drivePathKey, drivePathSegments, type DriveInfo, type DriveVersion } from '../../../src/common/drives.ts';
import { formatBytes } from '../shell/format.ts';

export interface Crumb {
  readonly name: string;
  readonly path: string;
}

/** The drive's root, then each folder down to `folder`. */
export function breadcrumbs(folder: string): Crumb[] {
  const segments = drivePathSegments(folder);
  return [{ name: 'Drive', path: '' }, ...segments.map((name, i) => ({ name, path: segments.slice(0, i + 1).join('/') }))];
}

/** A child's path in a folder. */
export function childPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

export type FileSyncState = NonNullable<DriveSyncStatusView['files'][number]['state']>;

export const SYNC_STATE_LABELS: Readonly<Record<FileSyncState, string>> = {
  synced: 'Synced',
  uploading: 'Uploading',
  downloading: 'Downloading',
  pending: 'Waiting to sync',
  busy: 'Open in another program',
  name_clash: 'Name clash: not synced',
  over_quota: 'Over the quota: not synced',
  error: 'Not synced',
};

/**
 * Where a file of the drive stands with this computer's folder: the sync's own word for it (a transfer under way, or
 * a file not in step, with why), else synced. Null when there is no running sync to ask (no folder, or it stopped).
 */
export function fileSyncState(view: DriveSyncView | null, path: string): { state: FileSyncState; detail: string | null } | null {
  const status = view?.status ?? null;
  if (status === null || status.phase === 'stopped') return null;
  const key = drivePathKey(path.normalize('NFC'));
  if (status.transfer !== null && drivePathKey(status.transfer.path.normalize('NFC')) === key) {
    return { state: status.transfer.direction === 'up' ? 'uploading' : 'downloading', detail: null };
  }
  const listed = status.files.find((file) => drivePathKey(file.path.normalize('NFC')) === key);
  if (listed !== undefined) return { state: listed.state, detail: listed.detail };
  return { state: 'synced', detail: null };
}

const PHASE_LABELS: Readonly<Record<DriveSyncStatusView['phase'], string>> = {
  idle: 'Up to date',
  scanning: 'Looking for changes',
  syncing: 'Syncing',
  paused: 'Paused',
  stopped: 'Stopped',
  offline: 'Offline',
};

/** Said when the sync gives no reason of its own. */
const UNSAID_REASONS: Partial<Record<DriveSyncStatusView['phase'], string>> = {
  offline: 'the platform cannot be reached',
};

/**
 * The sync's phase in words, with its reason when it waits or stopped. The reason is the sync's own (offline: what
 * failed, which already says it cannot be reached; stopped: the folder gone, or a certificate refused, naming the
 * problem and ENCLAVE_CA_FILE), so nothing in front of it claims another cause.
 */
export function phaseText(status: DriveSyncStatusView): string {
  const label = PHASE_LABELS[status.phase];
  const reason = status.reason !== null && status.reason !== '' ? status.reason : UNSAID_REASONS[status.phase];
  return reason === undefined ? label : `${label}: ${reason}`;
}

/** "Uploading results/a.csv: 1.2 MB of 3.4 MB". */
export function transferText(transfer: NonNullable<DriveSyncStatusView['transfer']>): string {
  const verb = transfer.direction === 'up' ? 'Uploading' : 'Downloading';
  return `${verb} ${transfer.path}: ${formatBytes(transfer.done)} of ${formatBytes(transfer.total)}`;
}

/** "1.2 MB used of 10 GB (12%)". */
export function quotaText(info: Pick<DriveInfo, 'usedBytes' | 'quotaBytes'>): string {
  const share = info.quotaBytes === 0 ? 0 : (info.usedBytes / info.quotaBytes) * 100;
  const percent = share > 0 && share < 1 ? '<1' : String(Math.round(share));
  return `${formatBytes(info.usedBytes)} used of ${formatBytes(info.quotaBytes)} (${percent}%)`;
}

const CHANGE_LABELS: Readonly<Record<DriveVersion['change'], string>> = {
  created: 'Created',
  written: 'Changed',
  restored: 'Restored',
  deleted: 'Deleted',
  moved: 'Moved',
};

export function changeLabel(change: DriveVersion['change']): string {
  return CHANGE_LABELS[change];
}

/** A local table's name from a file's: its stem in lower case, letters, digits and "_" only, as a table name must be. */
export function tableNameFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const stem = (dot > 0 ? fileName.slice(0, dot) : fileName).normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let name = stem
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/_{2,}/g, '_');
  if (name === '') name = 'drive_file';
  if (/^[0-9]/.test(name)) name = `t_${name}`;
  return name.slice(0, 63);
}

/** A file name for the format: the name typed, its table-file extension (if any) replaced by the format's. */
export function fileNameFor(name: string, format: DriveFileFormat): string {
  const trimmed = name.trim();
  const extension = DRIVE_FORMAT_EXTENSIONS[format];
  if (trimmed.toLowerCase().endsWith(extension)) return trimmed;
  const dot = trimmed.lastIndexOf('.');
  const stem = dot > 0 && driveFileFormatOf(trimmed) !== null ? trimmed.slice(0, dot) : trimmed;
  return `${stem}${extension}`;
}

/** Whether a drive file opens as a local table. */
export function opensAsTable(name: string): boolean {
  return driveFileFormatOf(name) !== null;
}

/** The WebDAV user name and URL a standard client is set up with, in words for the app password shown once. */
export function davInstructions(davUrl: string, username: string): string {
  return `In your WebDAV client, connect to ${davUrl} as ${username} with this password.`;
}
