import { pino, type DestinationStream, type Logger } from 'pino';
import { maskValue } from './log-masking.js';

export type { Logger };

export interface LogSettings {
  level: string;
  format: 'pretty' | 'json';
}

/**
 * One pino logger for the process. Secrets and contact data never reach it: every argument of
 * every call is masked (registered secrets, URL passwords, query tokens, emails, phone numbers),
 * and the redact list blanks the fields that carry credentials. `destination`: tests read it.
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
        method.apply(
          this,
          args.map((arg) => maskValue(arg)),
        );
      },
    },
    redact: {
      paths: [
        'password',
        '*.password',
        'apiKey',
        '*.apiKey',
        'databaseUrl',
        'authorization',
        '*.authorization',
      ],
      censor: '***',
    },
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
