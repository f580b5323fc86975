import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../customers/ingest-message.js';
import { deliveries, journeyRuns, policyVersions } from '../db/schema.js';
import { builtInJourneys } from '../journeys/index.js';
import { checkJourney } from '../catalog/journey-catalog.js';
import { journeyStats } from '../runs/journey-stats.js';
import { parsePolicyText } from '../domain/delivery-policy-file.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { adminCall } from './helpers/admin.js';
import { useApiWithDatabase } from './helpers/api.js';
import { runCli } from './helpers/cli.js';
import { deliveryRequest } from './helpers/delivery-request.js';
import { emailPipeline } from './helpers/email-pipeline.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';

const noon = () => new Date('2026-11-20T12:00:00Z');
const onePerDay = `# One marketing message a day, quiet hours as before.
caps:
  - id: marketing-per-day
    max: 1
    window: 1d
quietHours:
  start: "21:00"
  end: "09:00"
  jitter: 30m
`;
const twoPerDay = onePerDay.replace('marketing-per-day', 'two-per-day').replace('max: 1', 'max: 2');

describe('the delivery policy, deployed as a file, read by the next send', () => {
  const context = useApiWithDatabase();
  let smtp: SmtpPeer;
  let dir: string;
  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dir = await mkdtemp(path.join(tmpdir(), 'policy-'));
  });
  afterAll(async () => {
    await smtp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ DATABASE_URL: context.database.url });
  const cli = (...args: string[]) => runCli(args, env());
  const policyFile = async (text: string, name = 'policy.yaml') => {
    await writeFile(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const customer = async () => {
    const userId = `u-${randomUUID()}`;
    const traits = { email: `${userId}@example.test` };
    const message = { type: 'identify', userId, traits, messageId: randomUUID() } as SegmentMessage;
    const stored = await ingestMessage(context.database.db, message, { receivedAt: new Date() });
    if (stored.outcome !== 'stored') throw new Error('not stored');
    return stored.customer.id;
  };
  const send = (pipeline: ReturnType<typeof emailPipeline>, customerId: string) =>
    pipeline.deliver(deliveryRequest(customerId, { template: 'first-purchase-offer' }));
  const ruleOf = async (customerId: string) =>
    (await context.database.db.select().from(deliveries).where(eq(deliveries.customerId, customerId)))
      .filter((row) => row.status === 'skipped')
      .map((row) => row.rule);

  it('refuses a bad file with its line, column and a suggestion, and deploys nothing', async () => {
    const file = await policyFile(onePerDay.replace('window: 1d', 'windw: 1d'), 'bad.yaml');
    const result = await cli('policy', 'validate', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${file}:5:5: caps[0].windw: unknown field "windw" (did you mean "window"?)`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect((await cli('policy', 'deploy', file)).code).toBe(2);
    expect(await context.database.db.select().from(policyVersions)).toEqual([]);
  });

  it('shows the defaults while none is deployed, as a file that validates (README: show, validate)', async () => {
    const shown = await cli('policy', 'show');
    expect(shown.stdout).toContain('# no policy deployed: the defaults');
    expect(shown.stdout).toContain('id: any-channel-per-day');
    const file = await policyFile(shown.stdout, 'shown.yaml');
    expect(await cli('policy', 'validate', file)).toMatchObject({ code: 0 });
    // The README's example policy is a valid one.
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = /### Delivery policy[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(parsePolicyText(example ?? 'missing: true')).toMatchObject({ ok: true });
  });

  it('caps the next send as deployed, names the rule in the ledger, and follows a redeploy without a restart', async () => {
    const pipeline = emailPipeline(context.database.db, smtp.url, {
      unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
      now: noon,
    });
    const file = await policyFile(onePerDay);
    const validated = await cli('policy', 'validate', file);
    expect(validated.stdout).toMatch(/^ok {2}.*policy\.yaml \(version [0-9a-f]{12}\)/);
    const deployed = await cli('policy', 'deploy', file);
    expect(deployed.stdout).toMatch(/^deployed {2}version [0-9a-f]{12}/);
    expect((await cli('policy', 'deploy', file)).stdout).toMatch(/^unchanged/);

    const ann = await customer();
    expect(await send(pipeline, ann)).toMatchObject({ status: 'sent' });
    expect(await send(pipeline, ann)).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('marketing-per-day'),
    });
    expect(await ruleOf(ann)).toEqual(['marketing-per-day']);
    const listed = await cli('deliveries', 'list', '--status', 'skipped');
    expect(listed.stdout).toMatch(/RULE/);
    expect(listed.stdout).toMatch(/skipped\s+marketing-per-day/);

    await policyFile(twoPerDay);
    expect((await cli('policy', 'deploy', file)).stdout).toMatch(/^deployed/);
    // The same pipeline, no restart: the next send reads the new version.
    expect(await send(pipeline, ann)).toMatchObject({ status: 'sent' });
    expect(await send(pipeline, ann)).toMatchObject({ status: 'skipped' });
    expect(await ruleOf(ann)).toEqual(expect.arrayContaining(['marketing-per-day', 'two-per-day']));

    const shown = JSON.parse((await cli('policy', 'show', '--json')).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({
      deployed: true,
      policy: { caps: [{ id: 'two-per-day', max: 2, window: '1d' }] },
    });
  });

  it('reads the ledger as far back as a newly deployed window, names quiet hours, and stats count per rule', async () => {
    const monthly = `caps:\n  - { id: monthly, max: 1, window: 30d }\nquietHours: { id: evenings, start: "20:00", end: "08:00" }\n`;
    expect((await cli('policy', 'deploy', await policyFile(monthly, 'monthly.yaml'))).code).toBe(0);
    const options = { unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' } };
    const bob = await customer();
    const run = { runId: randomUUID(), workflowId: `journey/abandoned-cart/${bob}/e` };
    await context.database.db.insert(journeyRuns).values({
      ...run,
      customerId: bob,
      journeyId: 'abandoned-cart',
      journeyVersion: 'v1',
      entryKey: 'e',
      status: 'running',
      startedAt: noon(),
    });
    const at = (iso: string) =>
      emailPipeline(context.database.db, smtp.url, { ...options, now: () => new Date(iso) });
    const request = (stepId: string) =>
      deliveryRequest(bob, { template: 'first-purchase-offer', stepId, ...run });
    expect(await at('2026-11-01T12:00:00Z').deliver(request('reminder-1'))).toMatchObject({ status: 'sent' });
    // A fresh worker (its last policy seen: the defaults, 7 days back) 19 days later: still capped.
    expect(await at('2026-11-20T12:00:00Z').deliver(request('reminder-2'))).toMatchObject({
      status: 'skipped',
    });
    expect(await at('2026-11-20T22:00:00Z').deliver(request('reminder-3'))).toMatchObject({
      status: 'skipped',
    });
    await cli('policy', 'deploy', await policyFile(monthly.replace('max: 1', 'max: 5'), 'monthly.yaml'));
    expect(await at('2026-11-20T22:00:00Z').deliver(request('incentive'))).toMatchObject({
      status: 'deferred',
    });
    const rows = await context.database.db.select().from(deliveries).where(eq(deliveries.customerId, bob));
    expect(Object.fromEntries(rows.map((row) => [row.stepId, row.rule]))).toEqual({
      'reminder-1': null,
      'reminder-2': 'monthly',
      'reminder-3': 'monthly',
      incentive: 'evenings',
    });
    const { definition } = checkJourney(
      builtInJourneys.find((j) => j.id === 'abandoned-cart'),
      'built-in',
    );
    const stats = await journeyStats(context.database.db, definition);
    expect(stats.steps.find((step) => step.id === 'reminder-2')?.byRule).toEqual({ monthly: 1 });
    expect(stats.steps.find((step) => step.id === 'incentive')?.byRule).toEqual({ evenings: 1 });
  });

  it('GET and PUT /admin/policy show and deploy it, refusing a bad body with paths', async () => {
    const target = { url: context.api.url, adminToken: context.api.secrets.adminToken };
    const bad = await adminCall(target, 'PUT', '/admin/policy', { caps: [{ id: 'x', max: 1, windw: '1d' }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      issues: [{ path: 'caps[0].windw', message: 'unknown field "windw" (did you mean "window"?)' }],
    });
    const put = await adminCall(target, 'PUT', '/admin/policy', {
      caps: [{ id: 'api-cap', max: 5, window: '7d' }],
    });
    expect(put.status).toBe(200);
    const { version } = (await put.json()) as { version: string };
    const got = await adminCall(target, 'GET', '/admin/policy');
    expect(await got.json()).toMatchObject({
      deployed: true,
      version,
      policy: { caps: [{ id: 'api-cap' }] },
    });
  });
});
