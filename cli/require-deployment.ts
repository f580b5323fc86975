import type { Config } from '../config/config.js';
import { UserError } from '../infra/user-error.js';

/** `worker` and `api` join an existing deployment; they never start embedded servers. */
export function requireDeployment(config: Config, command: string): void {
  if (config.temporal.address && config.database.url) return;
  throw new UserError(
    `${config.temporal.address ? 'DATABASE_URL' : 'TEMPORAL_ADDRESS'} is not set`,
    `\`omnijourney ${command}\` joins an existing deployment: set TEMPORAL_ADDRESS and DATABASE_URL, or use \`omnijourney start\` for the all-in-one engine`,
  );
}
