import { randomBytes } from 'node:crypto';
import { maskId, maskPhone } from '@civicgrid/kernel';
import { describe, expect, it } from 'vitest';
import { Pii } from '../src/pii.ts';

const key = () => randomBytes(32);
const t1 = '0b7c6c1e-3c1f-4e55-9d8e-0a4c3a3c2f01';
const t2 = '5d0f1b3a-7e2c-4a9b-8c1d-2e3f4a5b6c7d';

describe('personal-data sealing', () => {
  const k1 = key();
  const hashKey = key();
  const before = new Pii({ keys: new Map([['k1', k1]]), current: 'k1', hashKey });

  it('round-trips, and a ciphertext opens only for its tenant and field', () => {
    const sealed = before.encrypt(t1, 'id', '330782198005121232');
    expect(sealed.includes(Buffer.from('330782198005121232'))).toBe(false);
    expect(before.decrypt(t1, 'id', 'k1', sealed)).toBe('330782198005121232');
    expect(() => before.decrypt(t2, 'id', 'k1', sealed)).toThrow();
    expect(() => before.decrypt(t1, 'phone', 'k1', sealed)).toThrow();
    // Same plaintext, fresh IV: equal values do not show as equal ciphertexts.
    expect(before.encrypt(t1, 'id', 'x').equals(before.encrypt(t1, 'id', 'x'))).toBe(false);
  });

  it('rotates: a new key encrypts, the old one still decrypts what it sealed', () => {
    const old = before.encrypt(t1, 'phone', '13812345678');
    const after = new Pii({
      keys: new Map([
        ['k1', k1],
        ['k2', key()],
      ]),
      current: 'k2',
      hashKey,
    });
    expect(after.keyId).toBe('k2');
    expect(after.decrypt(t1, 'phone', 'k1', old)).toBe('13812345678');
    expect(after.decrypt(t1, 'phone', 'k2', after.encrypt(t1, 'phone', '139'))).toBe('139');
    // The lookup hash does not depend on the encryption key, so rotation keeps every lookup working.
    expect(after.hash(t1, 'phone', '13812345678').equals(before.hash(t1, 'phone', '13812345678'))).toBe(true);
    expect(before.hash(t2, 'phone', '13812345678').equals(before.hash(t1, 'phone', '13812345678'))).toBe(
      false,
    );
  });

  it('refuses short keys and a current key it does not hold', () => {
    expect(() => new Pii({ keys: new Map([['k1', randomBytes(16)]]), current: 'k1', hashKey })).toThrow(
      /32 bytes/,
    );
    expect(() => new Pii({ keys: new Map([['k1', k1]]), current: 'k9', hashKey })).toThrow(
      /not in the keyring/,
    );
  });

  it('masks the way lists show them', () => {
    expect(maskId('330782198005121232')).toBe('330782********1232');
    expect(maskId('E12345678')).toBe('E1***5678');
    expect(maskPhone('13812345678')).toBe('138****5678');
  });
});
