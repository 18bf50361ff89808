// oidc-provider's storage adapter over the platform's SQLite store, so sessions, grants and refresh tokens
// survive a restart of `enclave platform serve`.
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { OidcArtifactStore } from '../../store/oidc-artifacts.ts';

export function sqliteAdapterFactory(store: OidcArtifactStore): AdapterFactory {
  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      await store.upsert({ model, id, payload: payload as Record<string, unknown>, expiresIn });
    },
    async find(id) {
      return (await store.find(model, id)) as AdapterPayload | undefined;
    },
    async findByUserCode(userCode) {
      return (await store.findByUserCode(model, userCode)) as AdapterPayload | undefined;
    },
    async findByUid(uid) {
      return (await store.findByUid(model, uid)) as AdapterPayload | undefined;
    },
    async consume(id) {
      await store.consume(model, id);
    },
    async destroy(id) {
      await store.destroy(model, id);
    },
    async revokeByGrantId(grantId) {
      await store.revokeByGrantId(model, grantId);
    },
  });
}
