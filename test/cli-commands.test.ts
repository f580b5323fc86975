import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneWhereItIs } from '../domain/local-time.js';
import { freePort } from '../infra/free-port.js';
import abandonedCart from '../journeys/abandoned-cart.js';
import type { JourneyStats } from '../runs/journey-stats.js';
import { runCli } from './helpers/cli.js';
import { activityServerClock, emailPipeline } from './helpers/email-pipeline.js';
import { createJourneyHarness, timeSkipping, type JourneyHarness } from './helpers/journey-harness.js';
import type { SmtpPeer } from './helpers/smtp-peer.js';
import { startEmailJourneyServers, type EmailJourneyServers } from './helpers/email-journey-servers.js';
import type { TestDatabase } from './helpers/test-database.js';

/**
 * The operator CLI as a subprocess against a deployment given by the environment (DATABASE_URL,
 * TEMPORAL_ADDRESS, OMNIJOURNEY_API_URL): the time-skipping server, a real PostgreSQL, the real
 * ingest API and delivery pipeline with an SMTP peer.
 */
describe('omnijourney CLI commands', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let servers: EmailJourneyServers | undefined;
  let harness: JourneyHarness;
  let folder: string;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    servers = await startEmailJourneyServers();
    ({ env, database, smtp } = servers);
    const pipeline = emailPipeline(database.db, smtp.url, { now: activityServerClock });
    harness = await createJourneyHarness(timeSkipping(env), database, { deliverer: pipeline });
    await harness.deploy([abandonedCart]);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-cli-'));
    cliEnv = {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: harness.taskQueue,
      OMNIJOURNEY_API_URL: harness.api.url,
      INGEST_WRITE_KEYS: harness.writeKey,
    };
  });
  afterAll(async () => {
    await harness?.close();
    await servers?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, cliEnv, 120_000);
  const json = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, '--json');
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };

  it('journeys graph writes an SVG that parses and prints the Mermaid text', async () => {
    const svgFile = path.join(folder, 'abandoned-cart.svg');
    const result = await cli('journeys', 'graph', 'abandoned-cart', '--svg', svgFile);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^flowchart TD\n/);
    expect(result.stdout).toContain('reminder-1: send cart-reminder via push → email');
    const svg = await readFile(svgFile, 'utf8');
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg?: Record<string, unknown> };
    expect(parsed.svg?.['@_xmlns']).toBe('http://www.w3.org/2000/svg');
    for (const step of ['wait-1h', 'reminder-1', 'reminder-2', 'incentive']) expect(svg).toContain(step);
  });

  it('journeys validate and list: a bad file is refused with the path of each problem', async () => {
    const bad = path.join(folder, 'bad.yaml');
    await writeFile(
      bad,
      'id: Bad Id\nname: x\ntrigger: { event: E }\nsteps:\n  - { id: a, type: wait, duration: soon }\n',
    );
    const result = await cli('journeys', 'validate', bad);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`invalid  ${bad}`);
    expect(result.stdout).toMatch(/line 5, column \d+: steps\[0\]\.duration \(step "a"\): /);
    const listed = await json<{ id: string; version: string }[]>('journeys', 'list');
    expect(listed.map((j) => j.id)).toEqual(['abandoned-cart']);
  });

  it('events import: progress, bad lines by number, the rest imported; a second run imports nothing new', async () => {
    const generated = await cli('events', 'generate', '--lines', '1500', '--seed', '7');
    expect(generated.code, generated.stderr).toBe(0);
    const lines = generated.stdout.trimEnd().split('\n');
    lines[9] = '{"type":"track","userId":"u","event":';
    lines[499] = '{"type":"track","event":"No Identity"}';
    lines[1199] = '[1,2,3]';
    const file = path.join(folder, 'events.ndjson');
    await writeFile(file, lines.join('\n') + '\n');

    const first = await cli('events', 'import', file);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/importing \[.*\] 100% \| 1500 lines \| \d+ lines\/s/);
    expect([...first.stdout.matchAll(/^ {2}line (\d+): /gm)].map((m) => Number(m[1]))).toEqual([
      10, 500, 1200,
    ]);
    expect(first.stdout).toContain('1497 new events, 0 already imported, 3 bad lines');
    expect(first.stdout).toContain('line 500: userId: either userId or anonymousId is required');

    const rerun = await cli('events', 'import', file, '--json', '--no-progress');
    expect(rerun.code).toBe(1); // the bad lines are still bad
    expect(rerun.stderr).toBe('');
    const again = JSON.parse(rerun.stdout) as { stored: number; duplicates: number; bad: { line: number }[] };
    expect(again.stored).toBe(0);
    expect(again.duplicates).toBe(1497);
    expect(again.bad.map((b) => b.line)).toEqual([10, 500, 1200]);

    // History by default: no journey reacted to the carts in the file. --live sends it as live traffic.
    const runs = async () =>
      (await database.sql<{ n: number }[]>`select count(*)::int as n from journey_runs`)[0]?.n;
    expect(await runs()).toBe(0);
    const live = path.join(folder, 'live.ndjson');
    await writeFile(
      live,
      JSON.stringify({
        type: 'track',
        userId: 'live-1',
        event: 'Product Added',
        properties: { cart_id: 'live-cart' },
      }) + '\n',
    );
    const sent = await cli('events', 'import', live, '--live', '--no-progress');
    expect(sent.code, sent.stderr).toBe(0);
    expect(await runs()).toBe(1);
  }, 240_000);

  it('customers show: a merged customer with everything in time order', async () => {
    const t0 = new Date(await env.currentTimeMs());
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const send = async (body: Record<string, unknown>) => {
      const result = await cli('events', 'send', JSON.stringify(body));
      expect(result.code, result.stderr).toBe(0);
    };
    await send({
      type: 'track',
      anonymousId: 'device-9',
      event: 'Product Viewed',
      properties: { product_id: 'mug' },
      timestamp: at(1).toISOString(),
    });
    await send({
      type: 'identify',
      userId: 'zoe',
      traits: { email: 'zoe@example.test', name: 'Zoé' },
      timestamp: at(2).toISOString(),
    });
    await send({ type: 'identify', userId: 'zoe', anonymousId: 'device-9', timestamp: at(3).toISOString() });
    await send({
      type: 'track',
      userId: 'zoe',
      event: 'Order Completed',
      properties: { order_id: 'o-z', total: 12 },
      timestamp: at(4).toISOString(),
    });

    const shown = await json<{
      customer: { mergedFrom: string[]; identities: { kind: string; value: string }[]; orderCount: number };
      timeline: { kind: string; at: string; detail: { type?: string; name?: string } }[];
    }>('customers', 'show', 'email:zoe@example.test');
    expect(shown.customer.mergedFrom).toHaveLength(1);
    expect(shown.customer.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([
      'anonymous_id:device-9',
      'email:zoe@example.test',
      'user_id:zoe',
    ]);
    expect(shown.customer.orderCount).toBe(1);
    expect(
      shown.timeline.map((i) => `${i.kind} ${i.detail.type ?? ''} ${i.detail.name ?? ''}`.trim()),
    ).toEqual([
      'event track Product Viewed',
      'event identify',
      'event identify',
      'event track Order Completed',
    ]);
    const times = shown.timeline.map((i) => i.at);
    expect([...times].sort()).toEqual(times);

    const human = await cli('customers', 'show', 'userId:zoe');
    expect(human.stdout).toMatch(/^Customer [0-9a-f-]{36} \(merged from [0-9a-f-]{36}\)/);
    expect(human.stdout).toContain('email          zoe@example.test');
  }, 180_000);

  it('stats abandoned-cart matches the funnel counted by hand, in the CLI and over HTTP', async () => {
    const t0 = new Date(await env.currentTimeMs());
    const hour = 3_600_000;
    const zone = zoneWhereItIs(14, t0);
    const shoppers = ['a', 'b', 'c', 'd', 'e', 'f'].map((s) => `stats-${s}`);
    for (const user of shoppers) {
      const traits =
        user === 'stats-f' ? { name: 'No Email' } : { email: `${user}@example.test`, name: user };
      await harness.identify(user, traits, { timezone: zone });
      await harness.track(
        user,
        'Product Added',
        { cart_id: `cart-${user}`, product_id: 'lamp', name: 'Lamp', price: 40 },
        t0,
      );
    }
    const buy = async (user: string, total: number) =>
      harness.track(
        user,
        'Order Completed',
        { cart_id: `cart-${user}`, order_id: `order-${user}`, total },
        new Date(await env.currentTimeMs()),
      );
    await env.sleep(30 * 60_000); // b buys before the first reminder
    await buy('stats-b', 40);
    await env.sleep(1.5 * hour); // c buys after reminder-1
    await buy('stats-c', 55);
    await env.sleep(58 * hour); // 60 h: d's run completed at 48 h; it buys inside the 7-day window
    await buy('stats-d', 70);
    await env.sleep(132 * hour); // 8 days: e buys outside the window
    await buy('stats-e', 99);

    const stats = await json<JourneyStats>('stats', 'abandoned-cart', '--no-waiting');
    // Only this test's runs (the import above started others): since t0 and these customers.
    expect(stats.entered).toBeGreaterThanOrEqual(6);
    const mine = await json<JourneyStats>(
      'stats',
      'abandoned-cart',
      '--no-waiting',
      '--since',
      t0.toISOString(),
    );
    const byHand = {
      entered: 6,
      outcomes: { running: 0, completed: 4, converted: 2, exited: 0, failed: 0, cancelled: 0 },
      converted: 3, // b and c while running, d after its run ended (inside 7 d); e outside
      conversionRate: 0.5,
      revenue: 165, // 40 + 55 + 70
    };
    expect(mine).toMatchObject(byHand);
    const step = (id: string) => mine.steps.find((s) => s.id === id);
    const noEmail = 'no channel allowed: push: no adapter configured; email: no reachable email address';
    expect(step('reminder-1')).toMatchObject({
      reached: 5,
      messaged: { email: 4 },
      skipped: { [noEmail]: 1 },
      convertedAfter: 1,
    });
    expect(step('reminder-2')).toMatchObject({ reached: 4, messaged: { email: 3 }, convertedAfter: 0 });
    expect(step('incentive')).toMatchObject({
      reached: 4,
      messaged: { email: 3 },
      skipped: { 'no channel allowed: sms: no adapter configured; email: no reachable email address': 1 },
      convertedAfter: 1,
    });

    const response = await fetch(
      `${harness.api.url}/admin/journeys/abandoned-cart/stats?since=${encodeURIComponent(t0.toISOString())}`,
      { headers: { authorization: `Bearer ${harness.adminToken}` } },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(mine);
  }, 300_000);

  it('mistakes: one clear line, a non-zero exit, no stack trace', async () => {
    const closedPort = await freePort();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['stats', 'no-such-journey'], {}, /^omnijourney: unknown journey "no-such-journey": /],
      [
        ['journeys', 'graph', 'no-such-journey'],
        {},
        /^omnijourney: unknown journey "no-such-journey": give a journey file/,
      ],
      [
        ['events', 'import', path.join(folder, 'missing.ndjson')],
        {},
        /^omnijourney: cannot read .*missing\.ndjson \(ENOENT\)$/,
      ],
      [
        ['events', 'send', '{"type":"track","userId":"x","event":"E"}'],
        { OMNIJOURNEY_API_URL: `http://127.0.0.1:${closedPort}` },
        /^omnijourney: cannot reach the API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      ],
      [
        ['journeys', 'list'],
        { DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/x` },
        /^omnijourney: cannot connect to PostgreSQL at DATABASE_URL=/,
      ],
      [['events', 'send', '{"type":"track"}'], {}, /^omnijourney: the event is not valid: /],
    ];
    for (const [args, extra, expected] of cases) {
      const result = await runCli(args, { ...cliEnv, ...extra }, 60_000);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr.trim(), args.join(' ')).toMatch(expected);
    }
    const usage = await cli('journeys', 'runs');
    expect(usage.code).toBe(2);
  }, 180_000);
});
