import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'soma_';

/** A new key: 256 random bits, shown once; only the hash is stored. */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 12) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
