// The project this window showed last, per user, so a reload comes back to it. In sessionStorage: this window's
// only (a second window starts from the picker), gone when it closes, and never another user's.
const KEY_PREFIX = 'enclave.last-project.';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

// The storage is passed in (the window's sessionStorage, or null where it cannot be had), so these rules stay pure.
export function lastProject(userId: string, storage: StorageLike | null): string | null {
  try {
    return storage?.getItem(KEY_PREFIX + userId) ?? null;
  } catch {
    return null;
  }
}

export function rememberProject(userId: string, projectId: string, storage: StorageLike | null): void {
  try {
    storage?.setItem(KEY_PREFIX + userId, projectId);
  } catch {
    // Without storage a reload starts from the project picker, which is harmless.
  }
}
