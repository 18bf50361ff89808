// How the analyst reaches the airlock: the Outputs screen's addresses (and that no other screen claims them), who is
// offered it, where a notification leads, the bell's name, and the client that tells the bell after every airlock
// action (done or refused) but not after a read.
import { describe, expect, it, vi } from 'vitest';
import type { Role } from '../../../src/common/contract.ts';
import type { Client } from '../../../src/common/client.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { isAirlockAction, noticingAirlockActions } from '../../../renderer/src/airlock/airlock-calls.ts';
import { bellLabel, notificationTarget } from '../../../renderer/src/airlock/notification-text.ts';
import { mayOpenOutputs, outputsFromHash, outputsHashOf } from '../../../renderer/src/airlock/outputs-address.ts';
import { adminScreenFromHash } from '../../../renderer/src/admin/admin-screens.ts';
import { screenFromHash } from '../../../renderer/src/session/roles.ts';

const REQUEST = `req-${'0123456789abcdef0123'}`;

describe('the Outputs screen’s address', () => {
  it('round-trips the overview and one request’s page', () => {
    expect(outputsHashOf()).toBe('#/outputs');
    expect(outputsHashOf(REQUEST)).toBe(`#/outputs/${REQUEST}`);
    expect(outputsFromHash(outputsHashOf())).toEqual({ requestId: null });
    expect(outputsFromHash(outputsHashOf(REQUEST))).toEqual({ requestId: REQUEST });
    expect(outputsFromHash('#outputs')).toEqual({ requestId: null });
    expect(outputsFromHash('#/outputs/')).toEqual({ requestId: null });
  });

  it('is not another screen’s, and another screen’s is not it', () => {
    for (const hash of [outputsHashOf(), outputsHashOf(REQUEST)]) {
      expect(screenFromHash(hash)).toBeNull();
      expect(adminScreenFromHash(hash)).toBeNull();
    }
    for (const hash of ['', '#/catalogue', '#/checking', '#/admin/audit', '#/outputsx', '#/outputs/req-XYZ', `#/outputs/${REQUEST}/x`]) {
      expect(outputsFromHash(hash), hash).toBeNull();
    }
  });

  it('is offered to those who pick a project, not to output checkers (who review on their own screen)', () => {
    const roles: Role[] = ['analyst', 'output_checker', 'data_manager', 'admin'];
    expect(roles.filter(mayOpenOutputs)).toEqual(['analyst', 'data_manager', 'admin']);
  });
});

describe('notifications', () => {
  it('lead checkers to their screen for a submission, and the author to their request otherwise', () => {
    expect(notificationTarget({ kind: 'submitted' })).toBe('checking');
    for (const kind of ['returned', 'released', 'rejected', 'revoked'] as const) expect(notificationTarget({ kind })).toBe('outputs');
  });

  it('give the bell a name with the unread count', () => {
    expect(bellLabel(0)).toBe('Notifications: none unread');
    expect(bellLabel(3)).toBe('Notifications: 3 unread');
  });
});

describe('the client that tells the bell', () => {
  it('knows the airlock’s actions from its reads', () => {
    for (const name of [
      'airlock.create',
      'airlock.putFile',
      'airlock.submit',
      'airlock.withdraw',
      'airlock.vote',
      'airlock.comment',
      'airlock.release',
      'airlock.readNotifications',
    ])
      expect(isAirlockAction(name), name).toBe(true);
    for (const name of [
      'airlock.request',
      'airlock.requests',
      'airlock.file',
      'airlock.released',
      'airlock.notifications',
      'airlock.export',
      'airlock.check',
      'projects.list',
    ])
      expect(isAirlockAction(name), name).toBe(false);
  });

  function fakeClient(answer: (name: string) => Promise<unknown>): Client {
    return {
      invoke: ((name: string) => answer(name)) as Client['invoke'],
      listen: () => () => undefined,
    };
  }

  it('calls back once an action has settled, done or refused, and never for a read', async () => {
    const onAction = vi.fn();
    let finish: (value: unknown) => void = () => undefined;
    const client = noticingAirlockActions(
      fakeClient((name) => {
        if (name === 'airlock.submit') return Promise.reject(new EnclaveError('conflict', 'It changed since you looked.'));
        if (name === 'airlock.putFile') return new Promise((resolve) => (finish = resolve));
        return Promise.resolve([]);
      }),
      onAction,
    );

    await client.invoke('airlock.requests', { projectId: 'cardio-admissions' });
    await client.invoke('projects.list', {});
    expect(onAction).not.toHaveBeenCalled();

    await expect(client.invoke('airlock.submit', { requestId: REQUEST, expectedVersion: 1 })).rejects.toThrow(
      'It changed since you looked.',
    );
    await vi.waitFor(() => expect(onAction).toHaveBeenCalledTimes(1));

    const adding = client.invoke('airlock.putFile', {
      requestId: REQUEST,
      expectedVersion: 2,
      name: 'code.sql',
      supporting: { name: 'code.sql', mediaType: 'text/x-sql', text: 'SELECT 1' },
    });
    await Promise.resolve();
    expect(onAction).toHaveBeenCalledTimes(1);
    finish({});
    await adding;
    await vi.waitFor(() => expect(onAction).toHaveBeenCalledTimes(2));
  });
});
