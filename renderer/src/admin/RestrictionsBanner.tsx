// Over every administration screen while anything is suspended or frozen: what is in force, in one line, and the way to
// the incidents screen where it is listed and lifted.
import type { Restriction } from '../../../src/common/incidents.ts';
import { adminHashOf } from './admin-screens.ts';
import { restrictionsInWords } from './kill-switch-text.ts';

export function RestrictionsBanner(props: { active: readonly Restriction[]; onIncidentsScreen: boolean }) {
  const { active, onIncidentsScreen } = props;
  if (active.length === 0) return null;
  return (
    <section className="message notice restrictions-banner" aria-labelledby="restrictions-banner-title" data-testid="restrictions-banner">
      <span className="message-title" id="restrictions-banner-title">
        Kill switch in force: {restrictionsInWords(active)}
      </span>
      <span className="message-text">
        {onIncidentsScreen ? (
          'They are listed below under “Restrictions in force”: lift each when it is safe to.'
        ) : (
          <>
            It stays in force until an administrator lifts it.{' '}
            <a href={adminHashOf('incidents')} data-testid="restrictions-banner-link">
              Go to Incidents
            </a>{' '}
            to see what and why, and to lift it.
          </>
        )}
      </span>
    </section>
  );
}
