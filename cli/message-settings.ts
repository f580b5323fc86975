import type { Config } from '../config/config.js';
import { testSendSettings, type TestSendSettings } from '../delivery/test-send.js';
import { readEngineState } from '../engine/engine-state.js';
import { storedDevSecrets } from '../engine/secrets.js';
import { PreviewRefusal } from '../delivery/preview-message.js';
import { UserError } from '../infra/user-error.js';
import { UsageError } from './usage-error.js';

/**
 * What `templates preview` and `test-send` render and send with, as a worker of this deployment
 * would: the environment's secrets, else those `omnijourney start` generated in this data folder
 * (so the unsubscribe link is the one a real send carries), PUBLIC_BASE_URL or start's API address.
 */
export async function messageSettingsFor(config: Config): Promise<TestSendSettings> {
  const [running, dev] = await Promise.all([
    readEngineState(config.dataDir),
    storedDevSecrets(config.dataDir),
  ]);
  const env = config.secrets;
  const secrets = {
    ...env,
    unsubscribeSecret: env.unsubscribeSecret ?? dev?.unsubscribeSecret,
    twilioAuthToken: env.twilioAuthToken ?? dev?.twilioAuthToken,
    vapid: env.vapid ?? dev?.vapid,
  };
  const publicBaseUrl =
    config.api.publicBaseUrl ?? running?.apiUrl ?? `http://${config.api.host}:${config.api.port}`;
  return testSendSettings({ config, secrets, publicBaseUrl });
}

/** A refusal as the CLI reports it: what was asked wrongly exits 2, a missing adapter 1. */
export function asCliError(error: unknown): unknown {
  if (!(error instanceof PreviewRefusal)) return error;
  return error.kind === 'unavailable' ? new UserError(error.message) : new UsageError(error.message);
}
