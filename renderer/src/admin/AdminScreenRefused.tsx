// What a forced address to an administration screen shows anyone but an administrator. The platform refuses its data
// regardless.
import type { Role } from '../../../src/common/contract.ts';
import { hashOf, ROLE_LABELS, SCREEN_LABELS, type Screen } from '../session/roles.ts';
import { ADMIN_SCREEN_LABELS, type AdminScreen } from './admin-screens.ts';

export function AdminScreenRefused(props: { screen: AdminScreen; role: Role; home: Screen }) {
  const { screen, role, home } = props;
  return (
    <section className="panel" aria-labelledby="refused-heading" data-testid="screen-refused">
      <h2 id="refused-heading">This screen is for administrators</h2>
      <p>
        {ADMIN_SCREEN_LABELS[screen]} is not part of your role ({ROLE_LABELS[role]}), and the platform does not give its data to your
        account. If you need it for your work, ask your TRE administrator.
      </p>
      <p>
        <a href={hashOf(home)} data-testid="refused-go-home">
          Go to {SCREEN_LABELS[home]}
        </a>
      </p>
    </section>
  );
}
