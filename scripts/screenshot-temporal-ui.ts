/**
 * `npm run screenshots`: starts `omnijourney start --demo` on a fresh data folder, waits for
 * journey runs, then drives headless Chromium (Debian's `chromium`, through playwright-core) to
 * capture the Temporal UI's workflow list filtered by JourneyId and one run's event history with
 * its step summaries. Prints where the PNGs are; they are not committed.
 *
 * Chromium comes from Debian's package (infra/chromium.ts installs it when running as root);
 * CHROMIUM_PATH points elsewhere.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { chromiumFlags, ensureChromium } from '../infra/chromium.js';
import { isUserError } from '../infra/user-error.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(root, 'screenshots'));
const journeyId = process.env.SCREENSHOT_JOURNEY ?? 'abandoned-cart';

function fail(message: string): never {
  process.stderr.write(`screenshots: ${message}\n`);
  process.exit(1);
}

/** Starts the demo and resolves with its Temporal UI and frontend addresses (bounded wait). */
async function startDemo(dataDir: string) {
  const child = spawn(process.execPath, [path.join(root, 'bin/omnijourney.js'), 'start', '--demo'], {
    env: {
      ...process.env,
      OMNIJOURNEY_DATA_DIR: dataDir,
      API_PORT: '0',
      TEMPORAL_DEV_PORT: '0',
      TEMPORAL_UI_PORT: '0',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  for (let i = 0; i < 360 && !out.includes('Press Ctrl-C to stop.'); i++) {
    if (child.exitCode !== null) fail(`the demo stopped: ${err.trim().split('\n').at(-1) ?? ''}`);
    await sleep(500);
  }
  const ui = /Temporal UI\s+(http:\/\/[^/\s]+)/.exec(out)?.[1];
  const frontend = /Temporal\s+(127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (!ui || !frontend) fail(`the demo did not start:\n${out}\n${err}`);
  return { child, ui, frontend };
}

const started = Date.now();
const browserPath = await ensureChromium((line) => process.stderr.write(`${line}\n`)).catch(
  (error: unknown) => fail(isUserError(error) ? error.toLine() : String(error)),
);
await mkdir(outDir, { recursive: true });
const dataDir = await mkdtemp(path.join(tmpdir(), 'omnijourney-screenshots-'));
const demo = await startDemo(dataDir);
const connection = await Connection.connect({ address: demo.frontend });
const client = new Client({ connection });
const browser = await chromium.launch({ executablePath: browserPath, args: [...chromiumFlags] });
try {
  // Runs appear as the demo's shoppers add to their carts; wait for a few (bounded).
  let run: { workflowId: string; runId: string } | undefined;
  let firstSeen: number | undefined;
  for (let i = 0; i < 120 && !run; i++) {
    let first: { workflowId: string; runId: string } | undefined;
    for await (const execution of client.workflow.list({ query: `JourneyId='${journeyId}'`, pageSize: 50 })) {
      first ??= { workflowId: execution.workflowId, runId: execution.runId };
      firstSeen ??= Date.now();
      // A run waiting after its first message shows timers, a send and their step summaries.
      const step = execution.searchAttributes.JourneyStep?.[0];
      if (execution.status.name === 'RUNNING' && execution.historyLength > 12 && step !== 'wait-1h') {
        run = { workflowId: execution.workflowId, runId: execution.runId };
        break;
      }
    }
    if (!run && i >= 60) run = first;
    if (!run) await sleep(1_000);
  }
  if (!run) fail(`no ${journeyId} run appeared within two minutes`);
  const seconds = (at: number | undefined) => (at === undefined ? '-' : Math.round((at - started) / 1000));
  process.stdout.write(
    `first ${journeyId} run visible ${seconds(firstSeen)} s after starting the demo; one past its first message at ${seconds(Date.now())} s\n`,
  );

  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const tall = { width: 1600, height: 2000 };
  const query = encodeURIComponent(`JourneyId='${journeyId}'`);
  await page.goto(`${demo.ui}/namespaces/default/workflows?query=${query}`, {
    waitUntil: 'domcontentloaded',
  });
  await page.getByText(`journey/${journeyId}/`).first().waitFor({ timeout: 60_000 });
  const listPng = path.join(outDir, `temporal-ui-${journeyId}-runs.png`);
  await page.screenshot({ path: listPng, fullPage: true });

  const historyUrl = `${demo.ui}/namespaces/default/workflows/${encodeURIComponent(run.workflowId)}/${run.runId}/history`;
  await page.setViewportSize(tall);
  await page.goto(historyUrl, { waitUntil: 'domcontentloaded' });
  // The step summaries (e.g. "wait-1h: waiting 1h") label the timers and activities.
  await page.getByText('wait-1h', { exact: false }).first().waitFor({ timeout: 60_000 });
  await sleep(1_000);
  const historyPng = path.join(outDir, `temporal-ui-${journeyId}-run-history.png`);
  await page.screenshot({ path: historyPng, fullPage: true });

  process.stdout.write(`workflow list: ${listPng}\nrun history:   ${historyPng}\n`);
} finally {
  await browser.close();
  await connection.close();
  demo.child.kill('SIGINT');
  for (let i = 0; i < 120 && demo.child.exitCode === null; i++) await sleep(500);
}
