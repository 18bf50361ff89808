// The drive sync engine (issue 17) against the in-memory drive, which keeps the platform's semantics (ETags, write
// conditions, quota, upload sessions, epoch). The same scenarios take a world factory, so a started platform and
// createHttpDriveRemote can be dropped in for them.
import { memoryWorld } from '../../unit/workstation/drives/support/memory-world.ts';
import { basicScenarios } from '../../unit/workstation/drives/support/scenarios-basics.ts';
import { crashScenarios } from '../../unit/workstation/drives/support/scenarios-crash.ts';
import { nameScenarios } from '../../unit/workstation/drives/support/scenarios-names.ts';
import { reviewScenarios } from '../../unit/workstation/drives/support/scenarios-review.ts';
import { safetyScenarios } from '../../unit/workstation/drives/support/scenarios-safety.ts';

basicScenarios(memoryWorld());
safetyScenarios(memoryWorld());
crashScenarios(memoryWorld());
nameScenarios(memoryWorld());
reviewScenarios(memoryWorld());
