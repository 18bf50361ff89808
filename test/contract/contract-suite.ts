// ONE contract suite, run over every transport (in-process, HTTP browser shell, Electron IPC): the same calls
// must give the same answers and the same errors whichever way the renderer reaches the workstation core.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { createClient, type Client, type Transport } from '../../src/common/client.ts';
import type { EventPayload, MethodName } from '../../src/common/contract.ts';
import { EnclaveError, type ErrorCode } from '../../src/common/errors.ts';
import { createWorkstationCore, type WorkstationCore } from '../../src/workstation/core.ts';
import {
  CATALOGUE,
  DEMO_USER,
  FAKE_PLATFORM_NAME,
  LOCKED_PROJECT_ID,
  PROJECTS,
  sampleBytes,
  startFakePlatform,
  unreachableUrl,
  type FakePlatform,
} from './fake-platform.ts';
import type { ConnectedTransport, TransportFactory } from './transports/index.ts';

/** The error a call rejects with (fails the test if it resolves). */
async function errorOf(call: Promise<unknown>): Promise<EnclaveError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw new Error(`Expected an EnclaveError, got ${String(err)}`, { cause: err });
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

/** Resolves with the first status event that satisfies the predicate (the test's timeout bounds the wait). */
function statusEvent(client: Client, predicate: (status: EventPayload<'platform.status'>) => boolean) {
  return new Promise<EventPayload<'platform.status'>>((resolve) => {
    const stop = client.listen('platform.status', (status) => {
      if (predicate(status)) {
        // The first (replayed) event can arrive while listen() is still returning: stop once it has.
        queueMicrotask(() => stop());
        resolve(status);
      }
    });
  });
}

// A valid input for every method: used by the happy paths and the unreachable-platform case.
const VALID_INPUTS: { [M in MethodName]: unknown } = {
  'session.get': {},
  'projects.list': {},
  'catalogue.get': { projectId: 'covid-outcomes' },
  'dataset.sample': { projectId: 'covid-outcomes', datasetId: 'patients', limit: 3 },
};

// One invalid input per method, and the field its error must name.
const INVALID_INPUTS: Array<{ method: MethodName; input: unknown; field: string }> = [
  { method: 'session.get', input: { userId: 'someone-else' }, field: 'userId' },
  { method: 'projects.list', input: { all: true }, field: 'all' },
  { method: 'catalogue.get', input: { projectId: '../../admin' }, field: 'projectId' },
  { method: 'dataset.sample', input: { projectId: 'covid-outcomes', datasetId: 'patients', limit: 0 }, field: 'limit' },
  { method: 'dataset.sample', input: { projectId: 'covid-outcomes', datasetId: 'patients', limit: 1_000_001 }, field: 'limit' },
  { method: 'dataset.sample', input: { projectId: 'covid-outcomes', limit: 3 }, field: 'datasetId' },
];

export function runContractSuite(label: string, connect: TransportFactory): void {
  describe(`the workstation contract over ${label}`, () => {
    let platform: FakePlatform;
    let core: WorkstationCore;
    let connected: ConnectedTransport;
    let transport: Transport;
    let client: Client;
    const extra: Array<{ core: WorkstationCore; connected: ConnectedTransport }> = [];

    beforeEach(async () => {
      platform = await startFakePlatform();
      // A long interval: the tests drive health checks themselves (checkPlatform), never by waiting.
      core = createWorkstationCore({ platformUrl: platform.url, healthIntervalMs: 3_600_000 });
      await core.checkPlatform();
      connected = await connect(core);
      transport = connected.transport;
      client = createClient(transport);
    });

    afterEach(async () => {
      for (const other of extra.splice(0)) {
        await other.connected.close();
        other.core.close();
      }
      await connected.close();
      core.close();
      await platform.close();
    });

    async function clientOnUnreachablePlatform(): Promise<Client> {
      const deadCore = createWorkstationCore({ platformUrl: await unreachableUrl(), healthIntervalMs: 3_600_000, requestTimeoutMs: 5_000 });
      const deadConnected = await connect(deadCore);
      extra.push({ core: deadCore, connected: deadConnected });
      return createClient(deadConnected.transport);
    }

    describe('happy paths', () => {
      it('session.get says demo mode, the demo user from /me, and the platform it talks to', async () => {
        const session = await client.invoke('session.get', {});

        expect(session).toEqual({ mode: 'demo', user: DEMO_USER, platform: { url: platform.url, name: FAKE_PLATFORM_NAME } });
      });

      it('projects.list lists the projects the platform says the user is a member of', async () => {
        const projects = await client.invoke('projects.list', {});

        expect(projects).toEqual(PROJECTS);
      });

      it("catalogue.get returns the project's catalogue, availability of each field included", async () => {
        const catalogue = await client.invoke('catalogue.get', { projectId: 'covid-outcomes' });

        expect(catalogue).toEqual(CATALOGUE);
        expect(catalogue.datasets[0]?.fields.find((f) => f.name === 'nhs_number')?.available).toBe(false);
      });

      it('dataset.sample returns the Arrow bytes the platform sent, byte for byte', async () => {
        const bytes = await client.invoke('dataset.sample', { projectId: 'covid-outcomes', datasetId: 'patients', limit: 3 });

        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(bytes).equals(Buffer.from(sampleBytes(3)))).toBe(true);
        const table = tableFromIPC(bytes);
        expect(table.numRows).toBe(3);
        expect(table.schema.fields.map((f) => f.name)).toEqual(['sex', 'region']);
      });
    });

    describe('refused input (it never reaches the platform)', () => {
      for (const { method, input, field } of INVALID_INPUTS) {
        it(`${method} with ${JSON.stringify(input)} fails with invalid_input naming "${field}"`, async () => {
          const before = platform.requests.length;

          const error = await errorOf(transport.invoke(method, input));

          expect(error.code).toBe('invalid_input');
          expect(error.message).toContain(field);
          expect(platform.requests.slice(before).filter((path) => !path.endsWith('/health'))).toEqual([]);
        });
      }

      it('a payload that is not an object at all is refused with invalid_input', async () => {
        const error = await errorOf(transport.invoke('catalogue.get', 'covid-outcomes'));

        expect(error.code).toBe('invalid_input');
      });

      it('an unknown method fails with unknown_method', async () => {
        const error = await errorOf(transport.invoke('admin.deleteEverything' as MethodName, {}));

        expect(error.code).toBe('unknown_method');
      });

      it('a name inherited from Object.prototype is not a method', async () => {
        const error = await errorOf(transport.invoke('constructor' as MethodName, {}));

        expect(error.code).toBe('unknown_method');
      });
    });

    describe('platform errors', () => {
      it('a project the user is not a member of fails with forbidden and the platform\'s message', async () => {
        const error = await errorOf(client.invoke('catalogue.get', { projectId: LOCKED_PROJECT_ID }));

        expect(error.code).toBe('forbidden');
        expect(error.message).toBe('You are not a member of project locked-project.');
      });

      it('a project that does not exist fails with not_found', async () => {
        const error = await errorOf(client.invoke('catalogue.get', { projectId: 'no-such-project' }));

        expect(error.code).toBe('not_found');
      });

      it('a dataset outside the project fails with not_found', async () => {
        const error = await errorOf(client.invoke('dataset.sample', { projectId: 'covid-outcomes', datasetId: 'hospital_episodes', limit: 1 }));

        expect(error.code).toBe('not_found');
      });

      for (const method of Object.keys(VALID_INPUTS) as MethodName[]) {
        it(`${method} fails with unavailable when the platform cannot be reached`, async () => {
          const dead = await clientOnUnreachablePlatform();

          const error = await errorOf(dead.invoke(method, VALID_INPUTS[method] as never));

          expect(error.code satisfies ErrorCode).toBe('unavailable');
          expect(error.message).toMatch(/cannot be reached/);
        });
      }
    });

    describe('events', () => {
      it('a new listener hears the current platform status (ready)', async () => {
        const status = await statusEvent(client, () => true);

        expect(status.state).toBe('ready');
        expect(status.message).toContain(FAKE_PLATFORM_NAME);
      });

      it('a listener hears the platform become unreachable', async () => {
        await statusEvent(client, (s) => s.state === 'ready');
        const unreachable = statusEvent(client, (s) => s.state === 'unreachable');

        await platform.close();
        await core.checkPlatform();

        expect((await unreachable).message).toMatch(/cannot be reached/);
      });

      it('a stopped listener hears nothing more', async () => {
        const heard: string[] = [];
        let stop = () => {};
        await new Promise<void>((resolve) => {
          stop = client.listen('platform.status', (s) => {
            heard.push(s.state);
            resolve();
          });
        });
        stop();

        await platform.close();
        await core.checkPlatform();
        // The unreachable event went out: a second listener proves it before we look at the stopped one.
        await statusEvent(client, (s) => s.state === 'unreachable');

        expect(heard).toEqual(['ready']);
      });

      it('on a platform that cannot be reached, the status says unreachable', async () => {
        const dead = await clientOnUnreachablePlatform();

        const status = await statusEvent(dead, (s) => s.state === 'unreachable');

        expect(status.message).toMatch(/Trying again every/);
      });
    });
  });
}
