import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../domain/journey-runtime.js';
import abandonedCart from '../journeys/abandoned-cart.js';
import welcomeSeries from '../journeys/welcome-series.js';
import { bundlerOptions, workflowsPath } from '../worker/create-worker.js';
import { useTimeSkippingJourneys, type JourneyHarness } from './helpers/journey-harness.js';

/**
 * Changing the interpreter while runs are in flight (README, "Changing the journey workflow"):
 * every history checked in under test/fixtures/histories — recorded from earlier code — and
 * every history recorded by this run must replay against the current code without
 * nondeterminism. `RECORD_HISTORIES=1` refreshes the checked-in set; with `HISTORY_SUFFIX=<name>` it
 * adds a set beside them instead (`welcome-series.<name>.json`), so histories from before a workflow
 * change stay covered after it.
 */
const historiesDir = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));

describe('replay of recorded journey histories', () => {
  const context = useTimeSkippingJourneys([abandonedCart, welcomeSeries]);
  let env: TestWorkflowEnvironment;
  let harness: JourneyHarness;
  beforeAll(() => void ({ env, harness } = context));

  it('replays histories from this run and the checked-in ones without nondeterminism', async () => {
    // Runs that cover every kind of step the built-in journeys use, and each way a run ends.
    await harness.track('replay-completes', 'Product Added', { cart_id: 'r1', product_id: 'p' });
    await harness.track('replay-converts', 'Product Added', { cart_id: 'r2', product_id: 'p' });
    await env.sleep('2h');
    await harness.track('replay-converts', 'Order Completed', { cart_id: 'r2' });
    await harness.track('replay-welcome', 'Signed Up');
    const runs = [
      journeyWorkflowId('abandoned-cart', await harness.customerId('replay-completes'), 'r1'),
      journeyWorkflowId('abandoned-cart', await harness.customerId('replay-converts'), 'r2'),
      journeyWorkflowId('welcome-series', await harness.customerId('replay-welcome'), 'default'),
    ];
    const fresh = [];
    for (const workflowId of runs) {
      const handle = env.client.workflow.getHandle(workflowId);
      await handle.result();
      fresh.push({ workflowId, history: await handle.fetchHistory() });
    }
    if (process.env.RECORD_HISTORIES === '1') {
      await mkdir(historiesDir, { recursive: true });
      const suffix = process.env.HISTORY_SUFFIX ? `.${process.env.HISTORY_SUFFIX}` : '';
      for (const [i, { history }] of fresh.entries()) {
        await writeFile(
          path.join(
            historiesDir,
            `${['abandoned-cart-completed', 'abandoned-cart-converted', 'welcome-series'][i]}${suffix}.json`,
          ),
          historyToJSON(history),
        );
      }
    }
    const stored = [];
    for (const file of (await readdir(historiesDir)).filter((name) => name.endsWith('.json'))) {
      stored.push({
        workflowId: file,
        history: historyFromJSON(JSON.parse(await readFile(path.join(historiesDir, file), 'utf8'))),
      });
    }
    expect(stored.length).toBeGreaterThanOrEqual(3);

    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath, bundlerOptions }, [
      ...fresh,
      ...stored,
    ])) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(fresh.length + stored.length);
  });
});
