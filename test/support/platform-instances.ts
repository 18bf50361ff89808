// Several `enclave platform serve` processes on one PostgreSQL database behind a round-robin proxy, as production runs
// the platform (issue 19 C): the database made and migrated by `enclave platform migrate` as its owner role, every
// instance serving as the app role, and every instance given the proxy's URL as --public-url, so they share one issuer
// (`<proxy>/oidc`) and answer the Host the proxy passes on. Plain http on loopback is what serve allows without TLS, and
// the proxy listens on 127.0.0.1, so the public URL is http://127.0.0.1:PORT.
//
// Shared keys: one identity keys folder (the identity provider's keys and the audit key), made once with the store
// (createAppRoleStore, as `enclave platform keys create` makes it) before any instance starts, and given to every
// instance with the store's flags (--identity-keys-dir). The instances also share one data folder (the datasets, the
// drives' bytes, the audit anchor in DIR/identity), as instances on one host with shared storage would.
import { bestEffort } from '../../src/common/detached.ts';
import { createPlatformFixture, type PlatformFixture } from '../integration/platform/fixture.ts';
import { firstLine, runEnclave, type Run } from '../integration/platform/serve-process.ts';
import { createAppRoleStore, type AppRoleStore } from './postgres-app-store.ts';
import type { AvailableCluster } from './postgres.ts';
import { makePrivate } from './private-tree.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.ts';

/** How long a stopping instance may take before it is killed: serve cuts what is still open 3 s after SIGTERM. */
const STOP_GRACE_MS = 10_000;
/** Connections each instance may open: four instances stay well inside the test cluster's max_connections. */
const POOL_SIZE = '4';

export interface PlatformInstance {
  /** Where this process listens (http://127.0.0.1:PORT): to reach it directly, past the proxy. */
  readonly url: string;
  /** Its exit code once it has exited (null for a signal). */
  readonly exited: Promise<number | null>;
  alive(): boolean;
  /** What it wrote to stderr so far (its log): for failure messages. */
  stderr(): string;
  /** SIGTERM, then waits for it to exit (SIGKILL if it has not after a grace period); answers its exit code. */
  stop(): Promise<number | null>;
}

/** Starts one `enclave platform serve` and waits for its listening line; the one place an instance is launched. */
export async function launchInstance(options: {
  dataDir: string;
  publicUrl: string;
  /** The database and the keys folder, given as the store's flags (the app role, --identity-keys-dir). */
  store: AppRoleStore;
}): Promise<PlatformInstance> {
  const run: Run = runEnclave([
    ...['platform', 'serve', '--data-dir', options.dataDir, '--port', '0'],
    ...['--public-url', options.publicUrl],
    ...options.store.flags,
    ...['--database-pool-size', POOL_SIZE],
  ]);
  const line = JSON.parse(await firstLine(run)) as { url: string; listeningOn?: string };
  if (line.url !== options.publicUrl || line.listeningOn === undefined) {
    run.child.kill('SIGKILL');
    throw new Error(`serve announced ${JSON.stringify(line)}, not the public URL ${options.publicUrl}`);
  }
  const alive = (): boolean => run.child.exitCode === null && run.child.signalCode === null;
  return {
    url: line.listeningOn,
    exited: run.exited,
    alive,
    stderr: run.stderr,
    async stop() {
      if (alive()) run.child.kill('SIGTERM');
      const timer = setTimeout(() => run.child.kill('SIGKILL'), STOP_GRACE_MS);
      try {
        return await run.exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface PlatformInstances {
  readonly proxy: RoundRobinProxy;
  /** The proxy's URL: every instance's public URL. */
  readonly publicUrl: string;
  /** `<public url>/oidc`, the embedded provider's issuer on every instance. */
  readonly issuer: string;
  /** The one data folder the instances share. */
  readonly dataDir: string;
  /** The database and the shared keys folder; its flags are what every instance and the host commands are given. */
  readonly store: AppRoleStore;
  readonly instances: readonly PlatformInstance[];
  /** Stops every instance and the proxy, and removes the database, its roles and the data folder. */
  cleanup(): Promise<void>;
}

/**
 * Starts `count` instances on a new database of `cluster`, migrated with the demo's people and projects (`migrate
 * --demo`: the embedded identity provider serves the demo's accounts), behind a new proxy. `together`: all at once, as a
 * deployment starts them; otherwise one after another.
 */
export async function startPlatformInstances(options: {
  cluster: AvailableCluster;
  count: number;
  together?: boolean;
}): Promise<PlatformInstances> {
  const parts: {
    fixture?: PlatformFixture;
    store?: AppRoleStore;
    proxy?: RoundRobinProxy;
    instances: PlatformInstance[];
  } = {
    instances: [],
  };
  const cleanup = async (): Promise<void> => {
    const codes = await Promise.all(parts.instances.map((instance) => instance.stop()));
    await parts.proxy?.close();
    await parts.store?.cleanup();
    await parts.fixture?.cleanup();
    const failed = codes.findIndex((code) => code !== 0);
    if (failed >= 0) throw new Error(`instance ${failed} exited ${codes[failed]}: ${parts.instances[failed].stderr()}`);
  };
  try {
    parts.fixture = await createPlatformFixture();
    // serve refuses a data folder other users can open.
    await makePrivate(parts.fixture.dataDir);
    parts.store = await createAppRoleStore(options.cluster, { demo: true });
    parts.proxy = await startRoundRobinProxy();
    const launch = (): Promise<PlatformInstance> =>
      launchInstance({ dataDir: parts.fixture!.dataDir, publicUrl: parts.proxy!.url, store: parts.store! });
    if (options.together === true) {
      const started = await Promise.allSettled(Array.from({ length: options.count }, launch));
      for (const outcome of started) if (outcome.status === 'fulfilled') parts.instances.push(outcome.value);
      const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } else {
      for (let i = 0; i < options.count; i++) parts.instances.push(await launch());
    }
    parts.proxy.setBackends(parts.instances.map((instance) => instance.url));
  } catch (err) {
    // The start's own failure is the one to report.
    await bestEffort(cleanup());
    throw err;
  }
  return {
    proxy: parts.proxy,
    publicUrl: parts.proxy.url,
    issuer: `${parts.proxy.url}/oidc`,
    dataDir: parts.fixture.dataDir,
    store: parts.store,
    instances: parts.instances,
    cleanup,
  };
}
