// Password hashes: scrypt with a salt per hash, checked in constant time; nothing malformed ever matches.
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/platform/identity/passwords.ts';

describe('hashPassword / verifyPassword', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('ada-demo-pass');
    await expect(verifyPassword('ada-demo-pass', hash)).resolves.toBe(true);
    await expect(verifyPassword('ada-demo-pasS', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts every hash, so equal passwords do not give equal hashes', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('never matches when there is no hash, or a malformed one', async () => {
    await expect(verifyPassword('anything', undefined)).resolves.toBe(false);
    for (const hash of ['', 'plain-text', 'scrypt$x$8$1$c2FsdA$a2V5', 'bcrypt$1$2$3$4$5', 'scrypt$16384$8$1$c2FsdA$']) {
      await expect(verifyPassword('anything', hash)).resolves.toBe(false);
    }
  });
});
