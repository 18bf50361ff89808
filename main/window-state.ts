// The window comes back as the analyst left it: its size and place, and whether it was maximised, kept in a small
// file (0600) in Electron's userData folder. A place that is no longer on any screen (a monitor unplugged, a
// smaller resolution) is brought onto one. Pure functions and Node's fs only, so the tests run without Electron.
import { chmodSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Rectangle, Screen } from 'electron';
import { z } from 'zod';

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_WINDOW_SIZE = { width: 1440, height: 900 } as const;
/** Smaller than this and the panes do not fit; a screen smaller still gets the whole of its work area. */
export const MIN_WINDOW_SIZE = { width: 800, height: 560 } as const;
/** A saved place counts as on a screen when at least this much of it (each way) is on that screen's work area. */
const MIN_VISIBLE = 64;
/** The file is a few dozen bytes; anything large is not ours. */
const MAX_FILE_BYTES = 4096;

const Coordinate = z.number().int().min(-100_000).max(100_000);
const Length = z.number().int().min(1).max(100_000);

export const WindowStateSchema = z
  .object({
    version: z.literal(1),
    /** The window's normal (not maximised) bounds, in device-independent pixels. */
    bounds: z.object({ x: Coordinate, y: Coordinate, width: Length, height: Length }).strict(),
    maximised: z.boolean(),
  })
  .strict();
export type WindowState = z.infer<typeof WindowStateSchema>;

export interface WindowPlacement {
  bounds: Rectangle;
  maximised: boolean;
}

/** The saved state, or null when there is none or it cannot be used (then the window opens at its default). */
export function readWindowState(file: string, log?: (message: string) => void): WindowState | null {
  let raw: string;
  try {
    const info = lstatSync(file);
    // Not a link or anything else: the file is ours to write, and a link could point anywhere.
    if (!info.isFile() || info.size > MAX_FILE_BYTES) {
      log?.(`Ignored the saved window size: ${file} is not a small regular file.`);
      return null;
    }
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log?.(`The saved window size could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    return null;
  }
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: the same as not our shape.
  }
  log?.('Ignored the saved window size: the file is damaged. The window opens at its default size.');
  return null;
}

/** Writes the state atomically (a whole new file renamed over the old), 0600 whatever the umask. */
export function writeWindowState(file: string, state: WindowState): void {
  const checked = WindowStateSchema.parse(state);
  const partial = `${file}.${process.pid}.partial`;
  try {
    // 'wx' creates a new file and never writes through a link left at that name.
    rmSync(partial, { force: true });
    writeFileSync(partial, `${JSON.stringify(checked)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(partial, 0o600);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
}

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

function sizeWithin(size: { width: number; height: number }, area: Rectangle): { width: number; height: number } {
  return {
    width: clamp(size.width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width),
    height: clamp(size.height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height),
  };
}

function centred(size: { width: number; height: number }, area: Rectangle): Rectangle {
  const within = sizeWithin(size, area);
  return {
    x: area.x + Math.floor((area.width - within.width) / 2),
    y: area.y + Math.floor((area.height - within.height) / 2),
    ...within,
  };
}

/**
 * Where the window opens: the saved bounds on the screen that shows most of them, made to fit that screen's work
 * area (the screen less task bars and docks) and moved wholly onto it; the default size centred on the primary
 * screen when nothing was saved or the saved place is on no screen now. `workAreas`: the primary screen's first.
 */
export function placeWindow(options: { saved: WindowState | null; workAreas: readonly Rectangle[] }): WindowPlacement {
  const [primary] = options.workAreas;
  const saved = options.saved;
  if (primary === undefined) {
    // Electron always reports a screen; without one, let the window manager decide from the saved size.
    return { bounds: { x: 0, y: 0, ...(saved?.bounds ?? DEFAULT_WINDOW_SIZE) }, maximised: saved?.maximised ?? false };
  }
  if (saved === null) return { bounds: centred(DEFAULT_WINDOW_SIZE, primary), maximised: false };

  let best: { area: Rectangle; visible: number } | null = null;
  for (const area of options.workAreas) {
    const { width, height } = overlap(saved.bounds, area);
    if (width < MIN_VISIBLE || height < MIN_VISIBLE) continue;
    if (best === null || width * height > best.visible) best = { area, visible: width * height };
  }
  if (best === null) return { bounds: centred(saved.bounds, primary), maximised: saved.maximised };
  const { area } = best;
  const size = sizeWithin(saved.bounds, area);
  return {
    bounds: {
      x: clamp(saved.bounds.x, area.x, area.x + area.width - size.width),
      y: clamp(saved.bounds.y, area.y, area.y + area.height - size.height),
      ...size,
    },
    maximised: saved.maximised,
  };
}

/** The screens' work areas, the primary screen's first (what placeWindow takes). */
export function workAreasOf(screen: Pick<Screen, 'getPrimaryDisplay' | 'getAllDisplays'>): Rectangle[] {
  const primary = screen.getPrimaryDisplay();
  return [primary, ...screen.getAllDisplays().filter((display) => display.id !== primary.id)].map((display) => display.workArea);
}

/** The part of a BrowserWindow this module uses. */
export interface RememberedWindow {
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  on(event: 'close', listener: () => void): unknown;
}

/** Saves the window's size and maximised state when it closes (for the next start); a failure is only logged. */
export function rememberWindowState(options: {
  window: RememberedWindow;
  file: string;
  log?: (message: string, detail?: unknown) => void;
}): void {
  const { window, file, log } = options;
  window.on('close', () => {
    try {
      const bounds = window.getNormalBounds();
      writeWindowState(file, {
        version: 1,
        bounds: { x: Math.round(bounds.x), y: Math.round(bounds.y), width: Math.round(bounds.width), height: Math.round(bounds.height) },
        maximised: window.isMaximized(),
      });
    } catch (err) {
      log?.('The window size could not be saved for the next start.', err);
    }
  });
}
