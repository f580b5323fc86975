import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { startEngine, type EngineInfo } from '../../engine/start-engine.js';
import { createLogger } from '../../infra/logger.js';
import { action } from '../run-action.js';
import { untilStopSignal } from '../stop-signal.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'Run the whole engine in one process: an embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), PostgreSQL (embedded unless DATABASE_URL is set), migrations, a worker and the HTTP API. Ctrl-C stops everything.',
    )
    .action(
      action(async () => {
        const config = loadConfig();
        const logger = createLogger(config.log);
        const engine = await startEngine(config, logger, { deployBuiltInJourneys: true, announce: true });
        process.stdout.write(banner(engine.info));
        await untilStopSignal(engine, logger);
      }),
    );
}

function banner(info: EngineInfo): string {
  const rows: [string, string][] = [
    ['API', info.apiUrl ?? '(not served by this process)'],
    ...(info.writeKey ? ([['Write key', info.writeKey]] as [string, string][]) : []),
    ...(info.devSecretsFile
      ? ([['Dev secrets', `${info.devSecretsFile} (admin token, webhook secrets)`]] as [string, string][])
      : []),
    ['Temporal UI', info.temporalUiUrl ?? '(external cluster: use its own UI)'],
    ['Temporal', `${info.temporalAddress} (namespace ${info.namespace}, task queue ${info.taskQueue})`],
    ['PostgreSQL', info.databaseUrl],
  ];
  return (
    [
      '',
      'Omnijourney is running',
      ...rows.map(([label, value]) => `  ${label.padEnd(12)} ${value}`),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n'
  );
}
