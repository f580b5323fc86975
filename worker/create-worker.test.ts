import type { LogLevel, Logger as TemporalLogger } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundlerLogger, bundlerOptions, workflowsPath } from './create-worker.js';

/** A Temporal logger that keeps what it is given, by level. */
function recorder() {
  const seen: { level: LogLevel; message: string }[] = [];
  const log = (level: LogLevel, message: string) => void seen.push({ level, message });
  const logger: TemporalLogger = {
    log,
    trace: (message) => log('TRACE', message),
    debug: (message) => log('DEBUG', message),
    info: (message) => log('INFO', message),
    warn: (message) => log('WARN', message),
    error: (message) => log('ERROR', message),
  };
  return { logger, seen };
}

describe('the workflow bundler in a worker', () => {
  it('writes webpack’s module list and "bundle created" at debug only, never at info', async () => {
    const { logger, seen } = recorder();
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      ...bundlerOptions,
      logger: bundlerLogger(logger),
    });
    expect(code.length).toBeGreaterThan(0);
    expect(seen.filter((entry) => entry.level === 'INFO')).toEqual([]);
    const debug = seen.filter((entry) => entry.level === 'DEBUG').map((entry) => entry.message);
    expect(debug.some((message) => /modules|webpack|compiled/i.test(message))).toBe(true);
    expect(debug).toContain('Workflow bundle created');
    // The SDK instantiates a bundle's modules once per cached run: a library such as zod in the
    // bundle multiplies into hundreds of KB per waiting run (domain/condition-schema.ts says why).
    const packages = new Set([...code.matchAll(/node_modules\/((?:@[^/"]+\/)?[^/"]+)/g)].map((m) => m[1]));
    expect([...packages].sort()).toEqual([
      '@temporalio/common',
      '@temporalio/workflow',
      'long',
      'ms',
      'nexus-rpc',
    ]);
  }, 60_000);
});
