import { badInput } from '@civicgrid/kernel';
import { hash, verify } from '@node-rs/argon2';

// argon2id (the library's default algorithm) with OWASP's second recommended profile: 19 MiB, t=2, p=1.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (plain: string): Promise<string> => hash(plain, OPTIONS);

export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  try {
    return await verify(hashed, plain);
  } catch {
    return false;
  }
}

/** A password policy a grid worker can live with on a phone: long enough, not all one kind. */
export function checkPasswordStrength(plain: string, field = 'password'): void {
  if (plain.length < 10) throw badInput(field, 'must be at least 10 characters');
  if (plain.length > 128) throw badInput(field, 'must be at most 128 characters');
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(plain)).length;
  if (kinds < 2) throw badInput(field, 'must mix at least two of: lower case, upper case, digits, symbols');
}

/** Verifying against this when the account does not exist keeps the timing of both answers alike. */
export const DUMMY_HASH = await hashPassword('civicgrid-no-such-account');
