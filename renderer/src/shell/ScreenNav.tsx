// The screens a role may open, as links (the location hash names the screen, so Back and Forward work).
import { hashOf, SCREEN_LABELS, type Screen } from '../session/roles.ts';

export function ScreenNav(props: { screens: readonly Screen[]; current: Screen }) {
  return (
    <nav aria-label="Screens" className="tabs" data-testid="screen-nav">
      {props.screens.map((screen) => (
        <a
          key={screen}
          href={hashOf(screen)}
          className="tab"
          aria-current={screen === props.current ? 'page' : undefined}
          data-testid={`tab-${screen}`}
        >
          {SCREEN_LABELS[screen]}
        </a>
      ))}
    </nav>
  );
}
