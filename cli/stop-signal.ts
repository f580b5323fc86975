import type { RunningEngine } from '../engine/start-engine.js';
import type { Logger } from '../infra/logger.js';

/**
 * Waits for SIGINT/SIGTERM (or the worker dying), then stops the engine in order and exits 0.
 * A second signal while stopping kills our child servers at once and exits 130.
 */
export async function untilStopSignal(engine: RunningEngine, logger: Logger): Promise<never> {
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    engine.finished.then(
      () => resolve('worker stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'worker failed');
        resolve('worker failed');
      },
    );
  });
  const force = () => {
    for (const pid of engine.info.childPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  logger.info({ reason }, 'stopping');
  await engine.stop();
  logger.info('stopped');
  logger.flush();
  process.exit(reason === 'worker failed' ? 1 : 0);
}
