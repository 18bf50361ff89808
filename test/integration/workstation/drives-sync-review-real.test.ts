// The review's sync-engine scenarios (issue 17, ../../unit/workstation/drives/support/scenarios-review.ts) against a
// REAL started platform over HTTP: the folder delete on the tree's cursor, the local trash, the free-space check and
// the engine's namespace, with the platform's own change counter and name policy.
import { afterAll } from 'vitest';
import { reviewScenarios } from '../../unit/workstation/drives/support/scenarios-review.ts';
import { platformWorld, removePlatformTemplate } from './support/platform-world.ts';

afterAll(removePlatformTemplate);

reviewScenarios(platformWorld({ chunkBytes: 4096 }));
