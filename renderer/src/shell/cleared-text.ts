// What the sign-in screen says after a sign-out, once the window's own engines are emptied: the window keeps nothing,
// and the core keeps each 'disk' project's workspace on this computer for the same person.
import { formatCount } from './format.ts';

export function clearedText(memoryTables: number): string {
  const kept = 'Your projects’ local tables stay on this computer in your private workspace, for your next sign-in.';
  if (memoryTables === 0) return `${kept} Nothing was kept in this window.`;
  return `Tables kept in this window only were cleared (${formatCount(memoryTables)} ${memoryTables === 1 ? 'table' : 'tables'}). ${kept}`;
}
