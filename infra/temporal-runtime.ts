import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { freePort } from './free-port.js';

/** Sends the Temporal SDK's own logs through our pino logger. */
class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method =
      level === 'TRACE'
        ? 'trace'
        : level === 'DEBUG'
          ? 'debug'
          : level === 'INFO'
            ? 'info'
            : level === 'WARN'
              ? 'warn'
              : 'error';
    this.logger[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed = false;
let metricsUrl: string | undefined;

/**
 * Installs the SDK runtime once per process; later calls are no-ops (Runtime.install throws on a
 * second call). The SDK's own metrics (task slots, polls, latencies) are exported in Prometheus
 * format on a loopback port; GET /metrics of the API serves them next to the engine's.
 */
export async function installTemporalRuntime(logger: Logger): Promise<void> {
  if (installed) return;
  const port = await freePort();
  Runtime.install({
    logger: new PinoTemporalLogger(logger.child({ component: 'temporal-sdk' })),
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: `127.0.0.1:${port}`,
          countersTotalSuffix: true,
          useSecondsForDurations: true,
        },
      },
    },
  });
  installed = true;
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
}

/** Where this process's Temporal SDK metrics can be read, once the runtime is installed. */
export function temporalMetricsUrl(): string | undefined {
  return metricsUrl;
}
