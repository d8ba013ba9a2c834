import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  // The production cost (2^15) in a unit test would make it slow; the code path is the same.
  const hasher = new PasswordHasher({ logCost: 10, blockSize: 8, parallelization: 1 });

  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');

    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapler', stored)).resolves.toBe(false);
  });

  it('salts every hash, carries its parameters, and never contains the password', async () => {
    const first = await hasher.hash('same password twice');
    const second = await hasher.hash('same password twice');

    expect(first).not.toBe(second);
    expect(first).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(first).not.toContain('same password');
  });

  it('verifies a hash made with other parameters, so the cost can be raised later', async () => {
    const stronger = new PasswordHasher({ logCost: 11, blockSize: 8, parallelization: 1 });
    const stored = await stronger.hash('an older password');

    await expect(hasher.verify('an older password', stored)).resolves.toBe(true);
  });

  it('treats a user without a password, or a corrupt hash, as a mismatch', async () => {
    await expect(hasher.verify('anything at all', undefined)).resolves.toBe(false);
    await expect(hasher.verify('anything at all', 'md5$5f4dcc3b5aa765d61d8327deb882cf99')).resolves.toBe(false);
    await expect(hasher.verify('anything at all', 'scrypt$ln=40,r=8,p=1$AAAA$AAAA')).resolves.toBe(false);
  });
});
