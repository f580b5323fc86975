import { pino, type Logger } from 'pino';
import type { Config } from '../config/config.js';

export type { Logger };

/**
 * One pino logger for the process. Secrets never reach it: URLs are masked by the callers and
 * the redact list covers the fields that may carry credentials or contact data.
 */
export function createLogger(config: Config['log'], name = 'omnijourney'): Logger {
  return pino({
    name,
    level: config.level,
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
      config.format === 'pretty'
        ? {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' },
          }
        : undefined,
  });
}
