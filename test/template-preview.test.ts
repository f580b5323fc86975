import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { verifyUnsubscribeToken } from '../customers/unsubscribe-token.js';
import { deliveries } from '../db/schema.js';
import { adminCall } from './helpers/admin.js';
import { postJson, startTestApi, type TestApi } from './helpers/api.js';
import { runCli } from './helpers/cli.js';
import { ownerOf } from './helpers/customer-rows.js';
import { expectRenderedPng } from './helpers/rendered-png.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const publicBaseUrl = 'https://engine.example.test';
const unsubscribeSecret = randomBytes(32).toString('hex');

/** The link in a preview is Ann's own, signed with the deployment's secret. */
function expectAnnsLink(url: string, customerId: string, secret = unsubscribeSecret) {
  expect(url.startsWith(`${publicBaseUrl}/unsubscribe?token=`)).toBe(true);
  const token = new URL(url).searchParams.get('token') ?? '';
  expect(verifyUnsubscribeToken(secret, token)).toMatchObject({ customerId, channel: 'email' });
}

/**
 * Issue 19, "Preview and test send": a template rendered for a customer stored in PostgreSQL, by
 * the CLI and the admin API, through the delivery pipeline's own rendering; test sends to a real
 * SMTP peer, marked [TEST], with no ledger row.
 */
describe('templates preview and test-send', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let api: TestApi;
  let folder: string;
  let env: Record<string, string>;
  let annId: string;
  const ledgerRows = async () => (await database.db.select().from(deliveries)).length;
  const cli = (...args: string[]) => runCli(args, env, 120_000);
  const admin = (route: string, body: unknown) =>
    adminCall({ url: api.url, adminToken: api.secrets.adminToken }, 'POST', route, body);

  beforeAll(async () => {
    [database, smtp] = await Promise.all([createTestDatabase(), startSmtpPeer()]);
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-preview-'));
    env = {
      OMNIJOURNEY_DATA_DIR: path.join(folder, 'data'),
      DATABASE_URL: database.url,
      PUBLIC_BASE_URL: publicBaseUrl,
      UNSUBSCRIBE_SECRET: unsubscribeSecret,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Shop <shop@example.test>',
    };
    api = await startTestApi(database.db, { publicBaseUrl, channelConfig: loadConfig(env) });
    const identified = await postJson(api, '/v1/identify', {
      userId: 'ann-1',
      traits: { name: 'Ann', email: 'ann@example.com' },
    });
    expect(identified.status).toBe(200);
    annId = (await ownerOf(database.db, 'email', 'ann@example.com'))!;
    expect(annId).toBeDefined();
  });
  afterAll(async () => {
    await api?.close();
    await smtp?.close();
    await database?.drop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('templates preview --out writes a parseable .eml with the name and link, the .html and a real PNG', async () => {
    const out = path.join(folder, 'preview');
    const result = await cli(
      'templates',
      'preview',
      'welcome-1',
      '--customer',
      'email:ann@example.com',
      '--out',
      out,
    );
    expect(result.code, result.stderr).toBe(0);
    const mail = await simpleParser(await readFile(path.join(out, 'welcome-1.eml')));
    expect(mail.subject).toBe('Welcome, Ann');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('ann@example.com');
    const link = /href="([^"]+)"/.exec(String(mail.html))?.[1] ?? '';
    expectAnnsLink(link.replaceAll('&amp;', '&'), annId);
    expect(mail.text).toContain(link.replaceAll('&amp;', '&'));
    expect(await readFile(path.join(out, 'welcome-1.html'), 'utf8')).toContain('Welcome aboard.');
    expectRenderedPng(await readFile(path.join(out, 'welcome-1.png')));
    expect(result.stdout).toContain(`wrote ${path.join(out, 'welcome-1.eml')}`);
  }, 120_000);

  it('templates preview prints every channel with the trigger event given', async () => {
    // README "Preview a template for a customer": its commands, word for word but the --out folder.
    const event = '{"name":"Product Viewed","properties":{"name":"Lamp"}}';
    const result = await cli(
      'templates',
      'preview',
      'browse-reminder',
      '--customer',
      'userId:ann-1',
      '--event',
      event,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Still thinking about Lamp?');
    expect(result.stdout).toContain('push → not sent now: no push subscription');
    expect(result.stdout).toContain('email → ann@example.com');
    expect(result.stdout).toContain(`unsubscribe link: ${publicBaseUrl}/unsubscribe?token=`);
  });

  it('templates preview --channel sms --out writes the SMS text, without a browser', async () => {
    const out = path.join(folder, 'sms');
    const args = ['cart-incentive', '--customer', 'userId:ann-1', '--channel', 'sms', '--out', out];
    const result = await cli('templates', 'preview', ...args);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(out, 'cart-incentive.sms.txt'), 'utf8')).toMatch(
      /^Ann, 10% off your cart/,
    );
    expect(result.stdout.trim().split('\n')).toEqual([`wrote ${path.join(out, 'cart-incentive.sms.txt')}`]);
  });

  it('templates test-send reaches the SMTP peer marked [TEST] and writes no ledger row', async () => {
    const before = await ledgerRows();
    const result = await cli(
      'templates',
      'test-send',
      'welcome-1',
      '--to',
      'me@example.com',
      '--customer',
      'email:ann@example.com',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('sent email test of welcome-1 to me@example.com');
    const mail = smtp.messages.find((m) => m.subject === '[TEST] Welcome, Ann');
    expect(mail && 'text' in (mail.to ?? {}) ? (mail.to as { text: string }).text : '').toBe(
      'me@example.com',
    );
    expect(await ledgerRows()).toBe(before);
  });

  it('refuses an unknown template, an unknown customer and a bad --event in plain words, exit 2', async () => {
    const cases: [string[], string][] = [
      [['templates', 'preview', 'nope', '--customer', 'userId:ann-1'], 'no template nope'],
      [
        ['templates', 'preview', 'welcome-1', '--customer', 'userId:nobody'],
        '--customer userId:nobody: no customer',
      ],
      [
        ['templates', 'preview', 'welcome-1', '--customer', 'userId:ann-1', '--event', '{oops'],
        '--event is not JSON',
      ],
      [
        ['templates', 'preview', 'welcome-1', '--customer', 'userId:ann-1', '--event', '{"properties":1}'],
        '--event.properties',
      ],
      [['templates', 'test-send', 'nope', '--to', 'me@example.com'], 'no template nope'],
      [
        ['templates', 'test-send', 'welcome-1', '--to', 'not-an-address'],
        'to: not-an-address is not a valid email address',
      ],
    ];
    for (const [args, says] of cases) {
      const result = await cli(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(says);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);

  it('POST /admin/templates/:id/preview renders for a stored customer, with the .eml', async () => {
    const response = await admin('/admin/templates/welcome-1/preview', {
      channel: 'email',
      customer: 'userId:ann-1',
    });
    const reply = (await response.json()) as {
      message: { subject: string };
      unsubscribeUrl: string;
      eml: string;
    };
    expect(response.status, JSON.stringify(reply)).toBe(200);
    expect(reply.message.subject).toBe('Welcome, Ann');
    expectAnnsLink(reply.unsubscribeUrl, annId, api.secrets.unsubscribeSecret);
    const mail = await simpleParser(reply.eml);
    expect(mail.subject).toBe('Welcome, Ann');
    expect(String(mail.html)).toContain('Unsubscribe');
    for (const [body, status, says] of [
      [{ channel: 'email', customer: 'userId:nobody' }, 404, 'no customer has the identity'],
      [{ channel: 'email', customer: 'userId:ann-1', trigger: { properties: 1 } }, 400, 'event.properties'],
    ] as const) {
      const refused = await admin('/admin/templates/welcome-1/preview', body);
      expect(refused.status).toBe(status);
      expect(((await refused.json()) as { error: string }).error).toContain(says);
    }
  });

  it('POST /admin/templates/:id/test-send sends [TEST] through the adapter, no ledger row; 404 and 400', async () => {
    const before = await ledgerRows();
    const response = await admin('/admin/templates/welcome-2/test-send', { to: 'ops@example.test' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(smtp.messages.some((m) => m.subject === '[TEST] Our favourites, picked for you')).toBe(true);
    expect(await ledgerRows()).toBe(before);
    const unknown = await admin('/admin/templates/nope/test-send', { to: 'ops@example.test' });
    expect(unknown.status).toBe(404);
    const bad = await admin('/admin/templates/welcome-2/test-send', { to: 'nobody' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('nobody is not a valid email address');
  });
});
