// The screen the location hash names, kept in step with Back/Forward and typed addresses: one of the role's screens
// (#/catalogue), or one of the administration screens (#/admin/audit).
import { useCallback, useEffect, useState } from 'react';
import { adminScreenFromHash, type AdminScreen } from '../admin/admin-screens.ts';
import { hashOf, screenFromHash, type Screen } from '../session/roles.ts';

export interface RequestedScreen {
  /** The role's screen the address asks for (null: none, or an administration screen). */
  readonly requested: Screen | null;
  /** The administration screen the address asks for, or null. */
  readonly requestedAdmin: AdminScreen | null;
}

function fromLocation(): RequestedScreen {
  const { hash } = window.location;
  return { requested: screenFromHash(hash), requestedAdmin: adminScreenFromHash(hash) };
}

export function useHashScreen(): RequestedScreen & { navigate: (screen: Screen) => void; reset: () => void } {
  const [current, setCurrent] = useState<RequestedScreen>(fromLocation);
  useEffect(() => {
    const onChange = (): void => setCurrent(fromLocation());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((screen: Screen) => {
    const hash = hashOf(screen);
    if (window.location.hash !== hash) window.location.hash = hash;
    setCurrent({ requested: screen, requestedAdmin: null });
  }, []);
  /** Back to the role's first screen, without a history entry (the next user must not land on this one's). */
  const reset = useCallback(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname + window.location.search);
    setCurrent({ requested: null, requestedAdmin: null });
  }, []);
  return { ...current, navigate, reset };
}
