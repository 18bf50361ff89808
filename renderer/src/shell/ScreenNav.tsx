// The screens a role may open, as links (the location hash names the screen, so Back and Forward work), with the
// Drive and Outputs screens after the project's screens for those who pick a project, and for administrators a second navigation
// beside it with the administration screens.
import { ADMIN_SCREEN_LABELS, adminHashOf, type AdminScreen } from '../admin/admin-screens.ts';
import { OUTPUTS_LABEL, outputsHashOf } from '../airlock/outputs-address.ts';
import { DRIVE_LABEL, driveHashOf } from '../drives/drive-address.ts';
import { hashOf, SCREEN_LABELS, type Screen } from '../session/roles.ts';

export function ScreenNav(props: {
  screens: readonly Screen[];
  /** The role's screen shown, or null while an administration screen is. */
  current: Screen | null;
  /** The Outputs screen, when the role picks a project: whether it is the one shown. */
  outputs?: { current: boolean };
  /** The project's Drive screen, when the role picks a project: whether it is the one shown. */
  drive?: { current: boolean };
  adminScreens?: readonly AdminScreen[];
  currentAdmin?: AdminScreen | null;
}) {
  const adminScreens = props.adminScreens ?? [];
  const { outputs, drive } = props;
  const link = (screen: Screen) => (
    <a
      key={screen}
      href={hashOf(screen)}
      className="tab"
      aria-current={screen === props.current ? 'page' : undefined}
      data-testid={`tab-${screen}`}
    >
      {SCREEN_LABELS[screen]}
    </a>
  );
  // Outputs come after the project's own screens (the catalogue, local analysis) and before output checking.
  const projectScreens = props.screens.filter((screen) => screen !== 'checking');
  const otherScreens = props.screens.filter((screen) => screen === 'checking');
  const screens = (
    <nav aria-label="Screens" className="tabs" data-testid="screen-nav">
      {projectScreens.map(link)}
      {drive ? (
        <a href={driveHashOf()} className="tab" aria-current={drive.current ? 'page' : undefined} data-testid="tab-drive">
          {DRIVE_LABEL}
        </a>
      ) : null}
      {outputs ? (
        <a href={outputsHashOf()} className="tab" aria-current={outputs.current ? 'page' : undefined} data-testid="tab-outputs">
          {OUTPUTS_LABEL}
        </a>
      ) : null}
      {otherScreens.map(link)}
    </nav>
  );
  // Without administration screens, the navigation is the one bar it always was (the analysis screen counts its height).
  if (adminScreens.length === 0) return screens;
  return (
    <div className="screen-bar">
      {screens}
      <nav aria-labelledby="admin-nav-label" className="tabs admin-tabs" data-testid="admin-nav">
        <span id="admin-nav-label" className="tabs-label">
          Administration
        </span>
        {adminScreens.map((screen) => (
          <a
            key={screen}
            href={adminHashOf(screen)}
            className="tab"
            aria-current={screen === props.currentAdmin ? 'page' : undefined}
            data-testid={`tab-admin-${screen}`}
          >
            {ADMIN_SCREEN_LABELS[screen]}
          </a>
        ))}
      </nav>
    </div>
  );
}
