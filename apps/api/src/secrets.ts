import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets generated on first start of the embedded default; kept under .data/ (git-ignored), mode 600. */
export interface LocalSecrets {
  ownerDbPassword: string;
  appDbPassword: string;
  jwtSecret: string;
}

export async function localSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as LocalSecrets;
  await mkdir(dataDir, { recursive: true });
  const gen = () => randomBytes(24).toString('base64url');
  const s: LocalSecrets = {
    ownerDbPassword: gen(),
    appDbPassword: gen(),
    jwtSecret: randomBytes(48).toString('base64url'),
  };
  await writeFile(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}
