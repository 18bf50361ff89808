// "Remove this project's local data": for a 'disk' project the core deletes its files and lists them; for a
// 'memory' project the window's own engine drops its tables (nothing of them is on disk), and for "everything" the
// core forgets the project's tabs, history and saved queries too.
import type { Client } from '../../../src/common/client.ts';
import type { ProjectEngine } from '../analysis/project-engines.ts';
import { formatCount } from '../shell/format.ts';
import type { RemovalScope } from './RemoveLocalData.tsx';

export async function removeLocalData(request: { client: Client; projectEngine: ProjectEngine; scope: RemovalScope }): Promise<string> {
  const { client, projectEngine, scope } = request;
  const projectId = projectEngine.projectId;
  if (projectEngine.mode === 'disk') {
    return (await client.invoke('workspace.removeLocalData', { projectId, scope })).summary;
  }
  const { tables } = await projectEngine.engine.clear();
  const dropped = `Dropped ${formatCount(tables)} ${tables === 1 ? 'table' : 'tables'} from this window.`;
  if (scope === 'tables') return dropped;
  const removed = await client.invoke('workspace.removeLocalData', { projectId, scope });
  return `${dropped} ${removed.summary}`;
}
