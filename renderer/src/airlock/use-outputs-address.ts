// What the location hash asks of the Outputs screen (./outputs-address.ts), kept in step with Back/Forward, typed
// addresses and links: null while it names any other screen.
import { useEffect, useState } from 'react';
import { outputsFromHash, outputsHashOf, type OutputsAddress } from './outputs-address.ts';

export function useOutputsAddress(): OutputsAddress | null {
  const [address, setAddress] = useState<OutputsAddress | null>(() => outputsFromHash(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setAddress(outputsFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return address;
}

/** Opens the Outputs screen (on one request's page, or its overview). */
export function openOutputs(requestId: string | null = null): void {
  const hash = outputsHashOf(requestId);
  if (window.location.hash !== hash) window.location.hash = hash;
}
