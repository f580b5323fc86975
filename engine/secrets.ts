import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import webpush from 'web-push';
import type { Config, Secrets } from '../config/config.js';
import { UserError } from '../infra/user-error.js';

type StoredDevSecrets = Required<Omit<Secrets, 'writeKeys' | 'clientKeys' | 'userTokenSecret'>> & {
  writeKey: string;
  /** Absent from files written before client keys existed: added on the next start. */
  clientKey?: string;
};

/** The dev secrets `start` generated, if any (CLI commands use its write key against that engine). */
export async function storedDevSecrets(dataDir: string): Promise<StoredDevSecrets | undefined> {
  const file = path.join(dataDir, 'secrets.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as StoredDevSecrets;
}

const clientKey = () => `pub_${randomBytes(12).toString('hex')}`;

/**
 * `omnijourney start` needs secrets to be usable at once; the environment's win, and the rest are
 * generated once and kept in `${dataDir}/secrets.json` (mode 600), never in the repo or the logs.
 */
export async function devSecrets(config: Config): Promise<Secrets & { generatedFile: string }> {
  const file = path.join(config.dataDir, 'secrets.json');
  let stored = await storedDevSecrets(config.dataDir);
  if (!stored) {
    const vapid = webpush.generateVAPIDKeys();
    stored = {
      writeKey: `dev_${randomBytes(12).toString('hex')}`,
      clientKey: clientKey(),
      adminToken: randomBytes(24).toString('hex'),
      unsubscribeSecret: randomBytes(32).toString('hex'),
      twilioAuthToken: randomBytes(16).toString('hex'),
      vapid: { publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:dev@localhost' },
    };
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  } else if (!stored.clientKey) {
    stored = { ...stored, clientKey: clientKey() };
    await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const env = config.secrets;
  return {
    writeKeys: env.writeKeys?.length ? env.writeKeys : [stored.writeKey],
    clientKeys: env.clientKeys?.length ? env.clientKeys : stored.clientKey ? [stored.clientKey] : [],
    userTokenSecret: env.userTokenSecret,
    adminToken: env.adminToken ?? stored.adminToken,
    unsubscribeSecret: env.unsubscribeSecret ?? stored.unsubscribeSecret,
    twilioAuthToken: env.twilioAuthToken ?? stored.twilioAuthToken,
    vapid: env.vapid ?? stored.vapid,
    generatedFile: file,
  };
}

/** Production (`omnijourney api`): the secrets must come from the environment. */
export function environmentSecrets(config: Config): Secrets {
  const { writeKeys, adminToken, unsubscribeSecret } = config.secrets;
  const missing = (variable: string) =>
    new UserError(
      `${variable} is not set`,
      '`omnijourney api` takes its secrets from the environment: see .env.example',
    );
  if (!writeKeys?.length) throw missing('INGEST_WRITE_KEYS');
  if (!adminToken) throw missing('ADMIN_API_TOKEN');
  if (!unsubscribeSecret) throw missing('UNSUBSCRIBE_SECRET');
  return {
    writeKeys,
    clientKeys: config.secrets.clientKeys ?? [],
    userTokenSecret: config.secrets.userTokenSecret,
    adminToken,
    unsubscribeSecret,
    twilioAuthToken: config.secrets.twilioAuthToken,
    vapid: config.secrets.vapid,
  };
}
