// The drive sync engine (issue 17) against a REAL started platform: two members (Ada, whose folder is synced, and Ben)
// on one platform's drive, over HTTP (createHttpDriveRemote: the JSON routes, WebDAV downloads, the raw upload-chunk
// route). Every scenario the in-memory drive runs (drives-sync.test.ts) runs here too, each on its own data folder; the
// one that needs a platform that lies (hostile names) skips with the reason, as it says. Then what only a real platform
// can show: the platform killed mid-upload and mid-download and started again on its data folder and port; the
// workstation's process SIGKILLed at every step of a transfer; a WebDAV lock held by another member; twins made on two
// computers at once; a member of another project; and a day's work of two members with a standard WebDAV client in
// between, that ends with both folders and the drive alike and nothing lost.
import { afterAll } from 'vitest';
import { basicScenarios } from '../../unit/workstation/drives/support/scenarios-basics.ts';
import { crashScenarios } from '../../unit/workstation/drives/support/scenarios-crash.ts';
import { nameScenarios } from '../../unit/workstation/drives/support/scenarios-names.ts';
import { reviewScenarios } from '../../unit/workstation/drives/support/scenarios-review.ts';
import { safetyScenarios } from '../../unit/workstation/drives/support/scenarios-safety.ts';
import { dayOfWork } from './support/day-of-work.ts';
import { platformWorld, removePlatformTemplate } from './support/platform-world.ts';
import { platformKillScenarios, workstationKillScenarios } from './support/real-kills.ts';
import { twoMemberScenarios } from './support/two-members.ts';

/** Download bodies in pieces of 4 KiB, as the in-memory drive sends them: the scenarios stop a transfer after its first. */
const world = platformWorld({ chunkBytes: 4096 });

afterAll(removePlatformTemplate);

basicScenarios(world);
safetyScenarios(world);
crashScenarios(world);
nameScenarios(world);
reviewScenarios(world);
platformKillScenarios(world);
workstationKillScenarios(world);
twoMemberScenarios(platformWorld());
dayOfWork(platformWorld());
