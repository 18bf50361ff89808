// The embedded provider's artifacts at rest: every payload is encrypted and authenticated (AES-256-GCM, a
// fresh IV each time, the model and row key as associated data), and the columns it is looked up by hold
// keyed hashes (HMAC-SHA-256). The keys live in the identity folder, not in the database, so someone who reads
// metadata.sqlite (a backup, a copy of the data folder, another user where its permissions are wrong) learns no
// device code, user code, account or claim; and someone who can write it cannot make a session, grant or
// device approval the provider will accept, nor move a sealed payload to another row.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What an artifact is looked up by, besides its own id ('account': the person it belongs to, to end all their sign-ins). */
export type LookupColumn = 'user_code' | 'uid' | 'grant_id' | 'account';

export interface ArtifactSealer {
  /** The payload encrypted for this model and row: only `open` with the same model and row key reads it. */
  seal(options: { model: string; rowKey: string; payload: Record<string, unknown> }): string;
  /** The payload, or undefined when the text is not one this key sealed for this model and row (damaged, forged, moved, or stored before sealing). */
  open(options: { model: string; rowKey: string; sealed: unknown }): Record<string, unknown> | undefined;
  /** The value stored in a look-up column: the same input gives the same value, and it cannot be reversed without the key. */
  lookupKey(column: LookupColumn, value: string): string;
}

function associatedData(model: string, rowKey: string): Buffer {
  return Buffer.from(`${FORMAT}\u0000${model}\u0000${rowKey}`, 'utf8');
}

export function createArtifactSealer(keys: { readonly encryption: Buffer; readonly index: Buffer }): ArtifactSealer {
  if (keys.encryption.length !== 32 || keys.index.length !== 32) throw new TypeError('artifact keys must be 32 bytes each');
  return {
    seal({ model, rowKey, payload }) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(model, rowKey));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      return [FORMAT, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open({ model, rowKey, sealed }) {
      if (typeof sealed !== 'string') return undefined;
      const [format, iv, ciphertext, tag, ...rest] = sealed.split('.');
      if (format !== FORMAT || iv === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', keys.encryption, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(associatedData(model, rowKey));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
        const payload: unknown = JSON.parse(plain);
        return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
          ? (payload as Record<string, unknown>)
          : undefined;
      } catch {
        // A tag that does not verify (or a malformed part) is an artifact that does not exist.
        return undefined;
      }
    },
    lookupKey(column, value) {
      return createHmac('sha256', keys.index).update(`${column}\u0000${value}`, 'utf8').digest('base64url');
    },
  };
}
