// The Electron window comes back as it was left: size, place and maximised state, from a small 0600 file in the
// userData folder, brought onto a screen that is there now. Electron's binary is not needed: main/window-state.ts
// is plain functions and Node's fs, and the window and screen are stand-ins.
import { EventEmitter } from 'node:events';
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import type { Rectangle } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE,
  placeWindow,
  readWindowState,
  rememberWindowState,
  workAreasOf,
  writeWindowState,
  type WindowState,
} from '../../../main/window-state.ts';

const LAPTOP: Rectangle = { x: 0, y: 0, width: 1366, height: 728 }; // 1366×768 less a 40 px task bar
const MONITOR_LEFT: Rectangle = { x: -1920, y: 0, width: 1920, height: 1080 };
const state = (bounds: Rectangle, maximised = false): WindowState => ({ version: 1, bounds, maximised });

describe('where the window opens', () => {
  it('opens at the default size, centred on the primary screen, the first time', () => {
    expect(placeWindow({ saved: null, workAreas: [{ x: 0, y: 0, width: 2560, height: 1400 }] })).toEqual({
      bounds: { x: 560, y: 250, ...DEFAULT_WINDOW_SIZE },
      maximised: false,
    });
  });

  it('fits the default size to a small screen (1366×768) rather than spilling off it', () => {
    expect(placeWindow({ saved: null, workAreas: [LAPTOP] }).bounds).toEqual(LAPTOP);
  });

  it('comes back exactly where it was when that place is on a screen', () => {
    const saved = state({ x: 100, y: 50, width: 1200, height: 600 });

    expect(placeWindow({ saved, workAreas: [LAPTOP] })).toEqual({ bounds: saved.bounds, maximised: false });
  });

  it('comes back on a secondary screen to the left (negative coordinates), maximised', () => {
    const saved = state({ x: -1800, y: 100, width: 1600, height: 900 }, true);

    expect(placeWindow({ saved, workAreas: [LAPTOP, MONITOR_LEFT] })).toEqual({ bounds: saved.bounds, maximised: true });
  });

  it('is brought to the primary screen, keeping its size where it fits, when its screen was unplugged', () => {
    const saved = state({ x: -1800, y: 100, width: 1000, height: 600 }, true);

    expect(placeWindow({ saved, workAreas: [LAPTOP] })).toEqual({ bounds: { x: 183, y: 64, width: 1000, height: 600 }, maximised: true });
  });

  it('shrinks to the work area and moves wholly onto the screen when the resolution got smaller', () => {
    const saved = state({ x: 800, y: 400, width: 1920, height: 1040 });

    expect(placeWindow({ saved, workAreas: [LAPTOP] }).bounds).toEqual(LAPTOP);
  });

  it('is pulled back when only a sliver of it (under 64 px) was on any screen', () => {
    const saved = state({ x: 1330, y: 700, width: 800, height: 600 });

    expect(placeWindow({ saved, workAreas: [LAPTOP] }).bounds).toEqual({ x: 283, y: 64, width: 800, height: 600 });
  });

  it('goes to the screen that shows most of it when it straddles two', () => {
    const saved = state({ x: -300, y: 100, width: 1000, height: 600 });

    expect(placeWindow({ saved, workAreas: [LAPTOP, MONITOR_LEFT] }).bounds).toEqual({ x: 0, y: 100, width: 1000, height: 600 });
  });

  it('never opens smaller than the panes need, unless the screen itself is smaller', () => {
    expect(placeWindow({ saved: state({ x: 10, y: 10, width: 200, height: 100 }), workAreas: [LAPTOP] }).bounds).toEqual({
      x: 10,
      y: 10,
      width: 800,
      height: 560,
    });
    expect(
      placeWindow({ saved: state({ x: 0, y: 0, width: 200, height: 100 }), workAreas: [{ x: 0, y: 0, width: 640, height: 480 }] }).bounds,
    ).toEqual({
      x: 0,
      y: 0,
      width: 640,
      height: 480,
    });
  });

  it("lists the screens' work areas with the primary first", () => {
    const screen = {
      getPrimaryDisplay: () => ({ id: 2, workArea: LAPTOP }),
      getAllDisplays: () => [
        { id: 1, workArea: MONITOR_LEFT },
        { id: 2, workArea: LAPTOP },
      ],
    };

    expect(workAreasOf(screen as unknown as Parameters<typeof workAreasOf>[0])).toEqual([LAPTOP, MONITOR_LEFT]);
  });
});

describe('the window-state file', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-window-'));
    file = path.join(dir, 'window-state.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips, 0600 under umask 000, with nothing left beside it', async () => {
    const previous = process.umask(0);
    try {
      writeWindowState(file, state({ x: -1800, y: 100, width: 1600, height: 900 }, true));
    } finally {
      process.umask(previous);
    }

    expect(readWindowState(file)).toEqual(state({ x: -1800, y: 100, width: 1600, height: 900 }, true));
    expect(((await lstat(file)).mode & 0o777).toString(8)).toBe('600');
    expect(await readdir(dir)).toEqual(['window-state.json']);
  });

  it('is saved when the window closes, with its normal (not maximised) bounds', async () => {
    const window = Object.assign(new EventEmitter(), {
      getNormalBounds: () => ({ x: 10.4, y: 20.6, width: 1200, height: 700 }),
      isMaximized: () => true,
    });
    rememberWindowState({ window, file });

    window.emit('close');

    expect(readWindowState(file)).toEqual(state({ x: 10, y: 21, width: 1200, height: 700 }, true));
  });

  it('logs, and does not throw into Electron, when it cannot be saved', () => {
    const log = vi.fn();
    const window = Object.assign(new EventEmitter(), {
      getNormalBounds: () => ({ x: 0, y: 0, width: 1200, height: 700 }),
      isMaximized: () => false,
    });
    rememberWindowState({ window, file: path.join(dir, 'missing', 'window-state.json'), log });

    window.emit('close');

    expect(log).toHaveBeenCalledWith('The window size could not be saved for the next start.', expect.any(Error));
  });

  it('is absent on the first start: null, and nothing logged', () => {
    const log = vi.fn();

    expect(readWindowState(file, log)).toBeNull();
    expect(log).not.toHaveBeenCalled();
  });

  const damaged: Array<[string, string]> = [
    ['not JSON', '{"version":1,'],
    ['another version', JSON.stringify({ version: 2, bounds: { x: 0, y: 0, width: 800, height: 600 }, maximised: false })],
    ['a zero width', JSON.stringify(state({ x: 0, y: 0, width: 0, height: 600 }))],
    ['fractional pixels', JSON.stringify(state({ x: 0.5, y: 0, width: 800, height: 600 }))],
    ['absurd coordinates', JSON.stringify(state({ x: 1e12, y: 0, width: 800, height: 600 }))],
    ['a string for a number', JSON.stringify({ version: 1, bounds: { x: '0', y: 0, width: 800, height: 600 }, maximised: false })],
    ['an extra field', JSON.stringify({ ...state({ x: 0, y: 0, width: 800, height: 600 }), devTools: true })],
    ['a prototype key', '{"version":1,"bounds":{"x":0,"y":0,"width":800,"height":600},"maximised":false,"__proto__":{"polluted":1}}'],
  ];
  for (const [what, content] of damaged) {
    it(`is ignored (default placement, one log line) when it holds ${what}`, async () => {
      await writeFile(file, content);
      const log = vi.fn();

      expect(readWindowState(file, log)).toBeNull();
      expect(log).toHaveBeenCalledWith('Ignored the saved window size: the file is damaged. The window opens at its default size.');
      expect(({} as { polluted?: number }).polluted).toBeUndefined();
    });
  }

  it('is ignored when it is too big to be ours, and is not read whole', async () => {
    await writeFile(file, ' '.repeat(5_000_000));
    const log = vi.fn();

    expect(readWindowState(file, log)).toBeNull();
    expect(log).toHaveBeenCalledWith(`Ignored the saved window size: ${file} is not a small regular file.`);
  });

  it('does not read through a symbolic link, and writing replaces the link, not what it points at', async () => {
    const target = path.join(dir, 'elsewhere.json');
    await writeFile(target, JSON.stringify(state({ x: 1, y: 1, width: 900, height: 600 })));
    await symlink(target, file);

    const read = readWindowState(file);
    writeWindowState(file, state({ x: 5, y: 5, width: 1000, height: 700 }));

    expect(read).toBeNull();
    expect(JSON.parse(await readFile(target, 'utf8'))).toEqual(state({ x: 1, y: 1, width: 900, height: 600 }));
    expect((await lstat(file)).isFile()).toBe(true);
  });

  it('never writes through a link left at its temporary name', async () => {
    const target = path.join(dir, 'victim.txt');
    await writeFile(target, 'keep');
    await symlink(target, `${file}.${process.pid}.partial`);

    writeWindowState(file, state({ x: 5, y: 5, width: 1000, height: 700 }));

    expect(await readFile(target, 'utf8')).toBe('keep');
    expect(readWindowState(file)).toEqual(state({ x: 5, y: 5, width: 1000, height: 700 }));
  });

  it('refuses to write a state that is not the schema, and keeps the old file', () => {
    writeWindowState(file, state({ x: 5, y: 5, width: 1000, height: 700 }));

    expect(() => writeWindowState(file, state({ x: 5, y: 5, width: Number.NaN, height: 700 }))).toThrow();
    expect(readWindowState(file)).toEqual(state({ x: 5, y: 5, width: 1000, height: 700 }));
  });
});
