import { pino, type DestinationStream, type Logger } from 'pino';
import { maskValue, redactedFields } from './log-masking.js';

export type { Logger };

export interface LogSettings {
  level: string;
  format: 'pretty' | 'json';
}

/** Errors are plain objects once masked (`{ type, message, …, stack at debug }`): printed as they are. */
const asIs = (value: unknown) => value;

const errorFirst = (args: unknown[]) =>
  args[0] instanceof Error ? [{ err: args[0] }, ...args.slice(1)] : args;

/**
 * One pino logger for the process. Secrets and contact data never reach it: every argument of
 * every call is masked (registered secrets, URL passwords, query tokens, emails, phone numbers),
 * and credential fields (passwords, tokens, Temporal task tokens…) are blanked by name. An error,
 * under any key, shows its type, message and fields, and its stack when the level is debug or
 * finer. `destination`: tests read it.
 */
export function createLogger(
  config: LogSettings,
  name = 'omnijourney',
  destination?: DestinationStream,
): Logger {
  const options = {
    name,
    level: config.level,
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...args: unknown[]) => void) {
        const stacks = this.isLevelEnabled('debug');
        // `logger.error(error, msg)`: pino files a first-argument error under `err`; so do we.
        method.apply(
          this,
          errorFirst(args).map((arg) => maskValue(arg, { stacks })),
        );
      },
    },
    serializers: { err: asIs, error: asIs },
    redact: { paths: redactedFields, censor: '***' },
    transport:
      config.format === 'pretty' && !destination
        ? {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' },
          }
        : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}
