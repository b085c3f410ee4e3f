import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePiiSecrets } from '@civicgrid/registry';

/** Secrets generated on first start of the embedded default; kept under .data/ (git-ignored), mode 600. */
export interface LocalSecrets {
  ownerDbPassword: string;
  appDbPassword: string;
  jwtSecret: string;
  /** `PII_KEYS` / `PII_HASH_KEY` values: residents' ID numbers and phones are sealed with them. */
  piiKeys: string;
  piiHashKey: string;
}

export async function localSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = join(dataDir, 'secrets.json');
  const known = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>) : {};
  await mkdir(dataDir, { recursive: true });
  const gen = () => randomBytes(24).toString('base64url');
  // Secrets added by a later version are generated once and kept beside the earlier ones.
  const s: LocalSecrets = {
    ownerDbPassword: gen(),
    appDbPassword: gen(),
    jwtSecret: randomBytes(48).toString('base64url'),
    ...generatePiiSecrets(),
    ...known,
  };
  if (Object.keys(s).length !== Object.keys(known).length)
    await writeFile(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}
