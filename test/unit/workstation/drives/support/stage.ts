// One scenario's stage: a world, Ada's desk (synced folder, state folder, somewhere outside), her engine on a recorded
// remote, and Bob's remote for edits made elsewhere. Cleaned up when the test ends, whatever happened.
import { onTestFinished } from 'vitest';
import type { DriveRemote } from '../../../../../src/workstation/drives/remote.ts';
import type { DriveSyncOptions } from '../../../../../src/workstation/drives/sync-engine.ts';
import type { DriveSync } from '../../../../../src/workstation/drives/sync-api.ts';
import { newDesk, openEngine, removeDesk, testRemote, type Desk, type DriveWorld, type TestRemote, type WorldFactory } from './sync-kit.ts';

export interface Stage {
  readonly world: DriveWorld;
  readonly desk: Desk;
  /** Ada's remote as her engine uses it: every request recorded, faults on request. */
  readonly ada: TestRemote;
  /** Bob's remote, for the other member's edits. */
  readonly bob: DriveRemote;
  /** Opens (another) engine on Ada's desk; closed at the end of the test. */
  open(options?: Partial<DriveSyncOptions>): Promise<DriveSync>;
}

export async function stage(makeWorld: WorldFactory, options: { desk?: Desk } = {}): Promise<Stage> {
  const world = await makeWorld();
  const desk = options.desk ?? (await newDesk());
  const ada = testRemote(world.remote());
  const engines: DriveSync[] = [];
  onTestFinished(async () => {
    for (const engine of engines) await engine.close();
    await world.close();
    await removeDesk(desk);
  });
  return {
    world,
    desk,
    ada,
    bob: world.other(),
    async open(overrides = {}) {
      const engine = await openEngine(desk, world, { remote: ada.remote, ...overrides });
      engines.push(engine);
      return engine;
    },
  };
}
