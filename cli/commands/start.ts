import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import type { DemoPeers } from '../../demo/demo-peers.js';
import type { driveShop as DriveShop } from '../../demo/shop-driver.js';
import { speedUpJourney } from '../../demo/fast-journeys.js';
import type { EngineInfo, RunningEngine } from '../../engine/start-engine.js';
import { createLogger, type Logger } from '../../infra/logger.js';
import { builtInJourneys } from '../../journeys/index.js';
import { checkJourney } from '../../catalog/journey-catalog.js';
import { action } from '../run-action.js';
import { untilStopSignal } from '../stop-signal.js';
import { wholeNumber } from '../whole-number.js';

interface StartOptions {
  demo?: boolean;
  /** `--no-worker`: false; workers then run apart (`omnijourney worker` joins with no settings). */
  worker: boolean;
  demoSpeed: string;
  demoCustomers: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'Run the whole engine in one process: an embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), PostgreSQL (embedded unless DATABASE_URL is set), migrations, a worker and the HTTP API. Ctrl-C stops everything.',
    )
    .option(
      '--demo',
      'also play a small shop (sign-ups, browsing, carts, orders) through the API, with the built-in journeys sped up and local mail, SMS and push sinks, so runs and messages show within a minute',
    )
    .option('--no-worker', 'no worker in this process: run `omnijourney worker` apart (it joins)')
    .option('--demo-speed <factor>', 'how much faster demo journeys run than the real ones', '240')
    .option('--demo-customers <n>', 'shoppers the demo plays over its first minute', '40')
    .action(
      action(async (options: StartOptions) => {
        // Loaded when run, not when listed (--help): the engine pulls in Temporal, fastify and drizzle.
        const [{ startEngine }, { startDemoPeers }, { driveShop }] = await Promise.all([
          import('../../engine/start-engine.js'),
          import('../../demo/demo-peers.js'),
          import('../../demo/shop-driver.js'),
        ]);
        const config = loadConfig();
        const logger = createLogger(config.log);
        if (!options.demo) {
          const engine = await startEngine(config, logger, {
            deployBuiltInJourneys: true,
            announce: true,
            worker: options.worker,
          });
          process.stdout.write(banner(engine.info) + (options.worker ? '' : noWorkerNote));
          await untilStopSignal(engine, logger);
        }
        const speed = wholeNumber('--demo-speed', options.demoSpeed, 1, 100_000);
        const customers = wholeNumber('--demo-customers', options.demoCustomers, 1, 10_000);
        const peers = await startDemoPeers(config.dataDir);
        let engine: RunningEngine;
        try {
          engine = await startEngine(config, logger, {
            announce: true,
            worker: options.worker,
            journeys: builtInJourneys.map((j) =>
              speedUpJourney(checkJourney(j, `journeys/${j.id}.ts`).definition, speed),
            ),
            adapters: (secrets) => peers.adapters(secrets),
          });
        } catch (error) {
          await peers.close();
          throw error;
        }
        process.stdout.write(
          banner(engine.info) + (options.worker ? '' : noWorkerNote) + demoBanner(peers, speed, customers),
        );
        engine = withShopDriver(engine, peers, customers, logger, driveShop);
        await untilStopSignal(engine, logger);
      }),
    );
}

function demoBanner(peers: DemoPeers, speed: number, customers: number): string {
  return (
    [
      `Demo: ${customers} shoppers over the next minute; journeys run ${speed}× faster (1 h of journey time = ${Math.round(3600 / speed)} s)`,
      `  Mail         ${peers.smtp.url} (saved in ${peers.mailFolder})`,
      `  SMS          ${peers.sms.url} (Twilio Messages API sink)`,
      `  Push         ${peers.push.url} (push service; decrypts what it receives)`,
      '',
    ].join('\n') + '\n'
  );
}

const noWorkerNote =
  'No worker runs in this process (--no-worker): start one or more with `omnijourney worker`; they join this engine.\n';

function banner(info: EngineInfo): string {
  const rows: [string, string][] = [
    ['API', info.apiUrl ?? '(not served by this process)'],
    ...(info.writeKey ? ([['Write key', info.writeKey]] as [string, string][]) : []),
    ...(info.clientKey
      ? ([
          [
            'Client key',
            `${info.clientKey}  (for browsers and apps: cannot set consent, alias or claim others' identities)`,
          ],
        ] as [string, string][])
      : []),
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

/** The demo's shop plays through the API; stopping the engine stops it first, then the local peers. */
function withShopDriver(
  engine: RunningEngine,
  peers: DemoPeers,
  customers: number,
  logger: Logger,
  driveShop: typeof DriveShop,
): RunningEngine {
  const { apiUrl, writeKey } = engine.info;
  if (!apiUrl || !writeKey) return engine;
  const driver = driveShop({
    api: { url: apiUrl, writeKey },
    push: peers.push,
    customers,
    durationMs: 60_000,
    logger,
  });
  const report = setInterval(() => {
    const c = peers.counts();
    process.stdout.write(
      `demo: ${driver.sent()} events sent · received ${c.emails} emails, ${c.sms} SMS, ${c.push} push\n`,
    );
  }, 10_000);
  report.unref();
  return {
    ...engine,
    async stop() {
      clearInterval(report);
      driver.stop();
      await driver.done;
      await engine.stop();
      await peers.close();
    },
  };
}
