// The screen the location hash names, kept in step with Back/Forward and typed addresses.
import { useCallback, useEffect, useState } from 'react';
import { hashOf, screenFromHash, type Screen } from '../session/roles.ts';

export function useHashScreen(): { requested: Screen | null; navigate: (screen: Screen) => void; reset: () => void } {
  const [requested, setRequested] = useState<Screen | null>(() => screenFromHash(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRequested(screenFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((screen: Screen) => {
    const hash = hashOf(screen);
    if (window.location.hash !== hash) window.location.hash = hash;
    setRequested(screen);
  }, []);
  /** Back to the role's first screen, without a history entry (the next user must not land on this one's). */
  const reset = useCallback(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname + window.location.search);
    setRequested(null);
  }, []);
  return { requested, navigate, reset };
}
