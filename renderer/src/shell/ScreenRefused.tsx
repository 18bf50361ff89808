// What a forced address to another role's screen shows. The platform refuses that screen's data regardless.
import type { Role } from '../../../src/common/contract.ts';
import { audienceOf, hashOf, ROLE_LABELS, SCREEN_LABELS, type Screen } from '../session/roles.ts';

export function ScreenRefused(props: { screen: Screen; role: Role; home: Screen }) {
  const { screen, role, home } = props;
  return (
    <section className="panel" aria-labelledby="refused-heading" data-testid="screen-refused">
      <h2 id="refused-heading">This screen is for {audienceOf(screen)}</h2>
      <p>
        {SCREEN_LABELS[screen]} is not part of your role ({ROLE_LABELS[role]}), and the platform does not give its data to your account. If
        you need it for your work, ask your TRE administrator.
      </p>
      <p>
        <a href={hashOf(home)} data-testid="refused-go-home">
          Go to {SCREEN_LABELS[home]}
        </a>
      </p>
    </section>
  );
}
