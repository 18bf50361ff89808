// What the location hash asks of the Drive screen (./drive-address.ts), kept in step with Back/Forward, typed addresses
// and links: null while it names any other screen.
import { useEffect, useState } from 'react';
import { driveFromHash, driveHashOf, type DriveAddress } from './drive-address.ts';

export function useDriveAddress(): DriveAddress | null {
  const [address, setAddress] = useState<DriveAddress | null>(() => driveFromHash(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setAddress(driveFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return address;
}

/** Opens the Drive screen at a folder. */
export function openDriveFolder(folder = ''): void {
  const hash = driveHashOf(folder);
  if (window.location.hash !== hash) window.location.hash = hash;
}
