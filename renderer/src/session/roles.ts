// Which screens each role may open. The platform enforces the same split on its data (deny by default); this
// table only decides what the navigation offers and what a forced address shows.
import type { Role } from '../../../src/common/contract.ts';

export type Screen = 'catalogue' | 'analysis' | 'checking';

export const SCREEN_LABELS: Readonly<Record<Screen, string>> = {
  catalogue: 'Catalogue',
  analysis: 'Local analysis',
  checking: 'Output checking',
};

export { ROLE_LABELS } from '../../../src/common/people.ts';

/** In navigation order; the first is where the role starts. */
export const SCREENS_BY_ROLE: Readonly<Record<Role, readonly Screen[]>> = {
  analyst: ['catalogue', 'analysis'],
  output_checker: ['checking'],
  // Data managers read their projects' catalogues and agreements (what each field looks like for the project).
  data_manager: ['catalogue'],
  admin: ['catalogue', 'checking'],
};

/** Who a screen is for, in the words of "This screen is for …". */
const SCREEN_AUDIENCE: Readonly<Record<Screen, string>> = {
  catalogue: 'analysts, data managers and administrators',
  analysis: 'analysts',
  checking: 'output checkers',
};

export function screensFor(role: Role): readonly Screen[] {
  return SCREENS_BY_ROLE[role];
}

export function mayOpen(role: Role, screen: Screen): boolean {
  return SCREENS_BY_ROLE[role].includes(screen);
}

export function audienceOf(screen: Screen): string {
  return SCREEN_AUDIENCE[screen];
}

/** Whether the role may fetch samples: the platform refuses them to everyone but analysts in their projects. */
export function maySample(role: Role): boolean {
  return role === 'analyst';
}

const SCREENS = Object.keys(SCREEN_LABELS) as Screen[];

/** The screen a location hash names ("#/checking"), or null for an empty or unknown hash. */
export function screenFromHash(hash: string): Screen | null {
  const name = hash.replace(/^#\/?/, '');
  return (SCREENS as string[]).includes(name) ? (name as Screen) : null;
}

export function hashOf(screen: Screen): string {
  return `#/${screen}`;
}
