// What a forced address to another role's screen shows (a role's own screens, or the administration screens). The
// platform refuses that screen's data regardless.
import type { Role } from '../../../src/common/contract.ts';
import { hashOf, ROLE_LABELS, SCREEN_LABELS, type Screen } from '../session/roles.ts';

export function ScreenRefused(props: {
  /** The refused screen's name, as the navigation shows it. */
  label: string;
  /** Whom it is for, in words ("administrators"). */
  audience: string;
  role: Role;
  home: Screen;
}) {
  const { label, audience, role, home } = props;
  return (
    <section className="panel" aria-labelledby="refused-heading" data-testid="screen-refused">
      <h2 id="refused-heading">This screen is for {audience}</h2>
      <p>
        {label} is not part of your role ({ROLE_LABELS[role]}), and the platform does not give its data to your account. If you need it for
        your work, ask your TRE administrator.
      </p>
      <p>
        <a href={hashOf(home)} data-testid="refused-go-home">
          Go to {SCREEN_LABELS[home]}
        </a>
      </p>
    </section>
  );
}
