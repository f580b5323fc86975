import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, pushSubscriptions } from '../db/schema.js';
import { startTestApi, type TestApi } from './helpers/api.js';
import {
  bundleAnalyticsNext,
  html,
  javascript,
  launchChromium,
  startPageServer,
  type PageServer,
} from './helpers/browser.js';
import { ownerOf } from './helpers/customer-rows.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** The snippet of README "From a web page", with this run's client key and API address. */
const shopSnippet = (writeKey: string, apiUrl: string, options = '') => `
<script src="/js/analytics-next.js"></script>
<script>
  window.analytics = AnalyticsBrowser.load({ writeKey: '${writeKey}', cdnURL: '${apiUrl}' }${options});
</script>`;

/** What the page's analytics.js instance offers to the test (the page resolves it). */
interface PageAnalytics {
  identify(traits: object): Promise<unknown>;
  track(event: string, properties: object): Promise<unknown>;
  page(category: string, name: string): Promise<unknown>;
  user(): { anonymousId(): string };
}
type AnalyticsWindow = { analytics: PromiseLike<[PageAnalytics]> };

/** Issue 17: analytics.js in a real browser page on another origin, against the real API and PostgreSQL. */
describe('analytics.js in a web page (headless Chromium)', () => {
  let database: TestDatabase;
  let api: TestApi;
  let shop: PageServer;
  let elsewhere: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    // Installing Chromium (first run on a fresh machine) can take a few minutes.
    // Each resource assigned as it comes, so afterAll closes what started even if Chromium cannot.
    shop = await startPageServer();
    elsewhere = await startPageServer();
    database = await createTestDatabase();
    api = await startTestApi(database.db, { corsAllowedOrigins: [shop.origin] });
    const bundle = javascript(await bundleAnalyticsNext());
    shop.pages.set('/js/analytics-next.js', bundle);
    shop.pages.set('/', html(shopSnippet(api.clientKey, api.url)));
    // The batching dispatcher posts to `${apiHost}/b`; here apiHost is the bare host (→ /b, /t, …).
    const batching = `, { integrations: { 'Segment.io': { apiHost: '${new URL(api.url).host}', protocol: 'http', deliveryStrategy: { strategy: 'batching', config: { size: 2, timeout: 300 } } } } }`;
    shop.pages.set('/batching', html(shopSnippet(api.clientKey, api.url, batching)));
    elsewhere.pages.set('/', html('<p>another site</p>'));
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([shop?.close(), elsewhere?.close(), api?.close()]);
    await database?.drop();
  });

  /** Opens a page and records the API paths it calls. */
  async function open(url: string): Promise<{ page: Page; called: string[] }> {
    const page = await browser.newPage();
    const called: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(api.url))
        called.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, called };
  }

  /** The events stored for an anonymousId, once `count` are there (bounded wait). */
  async function eventsOf(anonymousId: string, count: number) {
    for (let i = 0; ; i++) {
      const rows = await database.db.select().from(events).where(eq(events.anonymousId, anonymousId));
      if (rows.length >= count || i >= 100) return rows;
      await sleep(100);
    }
  }

  it('the snippet loads its settings from the API, then identify, track and page are stored on the visitor', async () => {
    const { page, called } = await open(`${shop.origin}/`);
    const anonymousId = await page.evaluate(async () => {
      const [analytics] = await (globalThis as unknown as AnalyticsWindow).analytics;
      await analytics.identify({ plan: 'pro' });
      await analytics.track('Viewed Product', { sku: 'SKU-1' });
      await analytics.page('Shop', 'Home');
      return analytics.user().anonymousId();
    });
    const rows = await eventsOf(anonymousId, 3);
    expect(rows.map((row) => row.type).sort()).toEqual(['identify', 'page', 'track']);
    expect(rows.find((row) => row.type === 'track')).toMatchObject({
      name: 'Viewed Product',
      properties: { sku: 'SKU-1' },
      userId: null,
    });
    const customerId = await ownerOf(database.db, 'anonymous_id', anonymousId);
    expect(customerId).toBeDefined();
    expect(new Set(rows.map((row) => row.customerId))).toEqual(new Set([customerId]));
    expect(called).toEqual(
      expect.arrayContaining([
        `GET /v1/projects/${api.clientKey}/settings`,
        'POST /v1/i',
        'POST /v1/t',
        'POST /v1/p',
      ]),
    );

    // Push: the page registers its subscription across origins (a preflighted JSON call with the client key).
    const endpoint = `https://fcm.googleapis.com/fcm/send/${randomUUID()}`;
    const registered = await page.evaluate(
      async ({ apiUrl, key, visitor, url }) => {
        const vapid = await (await fetch(`${apiUrl}/v1/push/vapid-public-key`)).json();
        const response = await fetch(`${apiUrl}/v1/push/subscriptions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-write-key': key },
          body: JSON.stringify({
            anonymousId: visitor,
            subscription: {
              endpoint: url,
              keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA', auth: 'tBHItJI5svbpez7KI4CCXg' },
            },
          }),
        });
        return { vapid, status: response.status, body: await response.json() };
      },
      { apiUrl: api.url, key: api.clientKey, visitor: anonymousId, url: endpoint },
    );
    expect(registered).toMatchObject({
      vapid: { publicKey: api.secrets.vapid?.publicKey },
      status: 200,
      body: { success: true, customerId },
    });
    const [subscription] = await database.db
      .select()
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.endpoint, endpoint));
    expect(subscription?.customerId).toBe(customerId);
    await page.close();
  });

  it('the batching dispatcher posts to /b (the bare-host short paths), stored the same way', async () => {
    const { page, called } = await open(`${shop.origin}/batching`);
    const anonymousId = await page.evaluate(async () => {
      const [analytics] = await (globalThis as unknown as AnalyticsWindow).analytics;
      void analytics.track('Added to Cart', { sku: 'SKU-2' });
      void analytics.track('Started Checkout', { total: 42 });
      return analytics.user().anonymousId();
    });
    const rows = await eventsOf(anonymousId, 2);
    expect(rows.map((row) => row.name).sort()).toEqual(['Added to Cart', 'Started Checkout']);
    expect(called).toContain('POST /b');
    // As from /v1/batch, journeys hear of them (unlike /v1/import).
    const routed = api.router.calls.filter((call) => call.event.anonymousId === anonymousId);
    expect(routed.map((call) => call.event.name).sort()).toEqual(['Added to Cart', 'Started Checkout']);
    await page.close();
  });

  it('a page of an origin not allowed is blocked by the browser, and nothing is stored', async () => {
    const { page } = await open(`${elsewhere.origin}/`);
    const visitor = `elsewhere-${randomUUID()}`;
    const outcomes = await page.evaluate(
      async ({ apiUrl, key, anonymousId }) => {
        const attempt = async (path: string, headers: Record<string, string>, body: object) => {
          try {
            const response = await fetch(`${apiUrl}${path}`, {
              method: 'POST',
              headers,
              body: JSON.stringify(body),
            });
            return `read ${response.status}`;
          } catch {
            return 'blocked';
          }
        };
        const event = { writeKey: key, event: 'Elsewhere', anonymousId };
        return {
          // text/plain, key in the body: no preflight, so the browser sends it; the API refuses it.
          simple: await attempt(
            '/t',
            { 'content-type': 'text/plain' },
            { ...event, messageId: `${anonymousId}-1` },
          ),
          // analytics.js's own call (Basic auth): the preflight is refused, the call never leaves.
          preflighted: await attempt(
            '/v1/t',
            { 'content-type': 'text/plain', authorization: `Basic ${btoa(`${key}:`)}` },
            { ...event, messageId: `${anonymousId}-2` },
          ),
          push: await attempt(
            '/v1/push/subscriptions',
            { 'content-type': 'application/json', 'x-write-key': key },
            {
              anonymousId,
              subscription: {
                endpoint: 'https://fcm.googleapis.com/fcm/send/x',
                keys: { p256dh: 'p', auth: 'a' },
              },
            },
          ),
        };
      },
      { apiUrl: api.url, key: api.clientKey, anonymousId: visitor },
    );
    expect(outcomes).toEqual({ simple: 'blocked', preflighted: 'blocked', push: 'blocked' });
    // Each call was answered (or refused) before the browser reported it blocked: no wait needed.
    expect(await database.db.select().from(events).where(eq(events.anonymousId, visitor))).toEqual([]);
    expect(await ownerOf(database.db, 'anonymous_id', visitor)).toBeUndefined();
    await page.close();
  });
  it('over HTTP: preflight only for allowed origins on browser paths; server keys refused from pages', async () => {
    const preflight = (path: string, origin: string) =>
      fetch(`${api.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('/t', shop.origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(shop.origin);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    for (const [path, origin] of [
      ['/t', elsewhere.origin],
      ['/v1/import', shop.origin],
      ['/admin/customers/someone', shop.origin],
    ] as const) {
      const refused = await preflight(path, origin);
      expect(refused.status, `${path} from ${origin}`).toBe(404);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }

    const post = (path: string, key: string, headers: Record<string, string> = {}, body: object = {}) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...headers },
        body: JSON.stringify({
          writeKey: key,
          event: 'Checked',
          anonymousId: 'http-visitor',
          messageId: randomUUID(),
          ...body,
        }),
      });
    const reply = async (response: Response) => ({
      status: response.status,
      ...((await response.json()) as object),
    });
    // A server key in a page is a leak: refused on browser-only paths, and on any path from a page.
    expect(await reply(await post('/v1/t', api.writeKey))).toMatchObject({
      status: 403,
      error: expect.stringContaining('server write key was sent from a web page'),
    });
    expect((await post('/v1/track', api.writeKey, { origin: shop.origin })).status).toBe(403);
    expect((await post('/v1/track', api.writeKey)).status).toBe(200);
    // The short path is the /v1 call: a client key still may not alias.
    expect(await reply(await post('/a', api.clientKey, {}, { previousId: 'a', userId: 'b' }))).toMatchObject({
      status: 403,
      error: 'alias needs a server write key',
    });
    expect(await reply(await post('/t', 'nobody'))).toMatchObject({
      status: 401,
      error: 'unknown write key',
    });
    expect((await fetch(`${api.url}/v1/projects/${api.writeKey}/settings`)).status).toBe(403);
    expect((await fetch(`${api.url}/v1/projects/nobody/settings`)).status).toBe(404);
  });
});
