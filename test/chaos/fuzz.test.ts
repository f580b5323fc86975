import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEmailAdapter } from '../../delivery/channels/email.js';
import type { RenderContext } from '../../delivery/liquid.js';
import { renderMessage } from '../../delivery/render-message.js';
import { validateJourney } from '../../domain/journey-definition.js';
import { builtInJourneys } from '../../journeys/index.js';
import { templateIds, templates } from '../../journeys/templates.js';
import { postJson, useApiWithDatabase, type TestApi } from '../helpers/api.js';
import { startSmtpPeer } from '../helpers/smtp-peer.js';
import type { TestDatabase } from '../helpers/test-database.js';
import { reportFigures, sized } from './chaos-figures.js';

// Any code point, NUL and lone surrogates included: PostgreSQL refuses those, we must say 400.
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyText);

describe('fuzzing', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  it(`ingest: ${sized('1,000', '10,000')} random payloads — never a 5xx, a refusal names what is wrong and writes nothing`, async () => {
    const messageLike = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias', 'bogus'),
          jsonValue,
        ),
        userId: fc.oneof(fc.string(), fc.integer(), jsonValue),
        anonymousId: fc.oneof(fc.string(), jsonValue),
        event: fc.oneof(fc.string(), jsonValue),
        previousId: fc.oneof(fc.string(), jsonValue),
        groupId: fc.oneof(fc.string(), jsonValue),
        timestamp: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          jsonValue,
        ),
        sentAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          jsonValue,
        ),
        properties: jsonValue,
        traits: fc.oneof(
          fc.record({ email: fc.string(), phone: fc.string(), consent: jsonValue }),
          jsonValue,
        ),
        context: jsonValue,
        messageId: fc.oneof(fc.uuid(), fc.string(), jsonValue),
      },
      { requiredKeys: [] },
    );
    const validTrack = fc.record({
      type: fc.constant('track'),
      userId: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0),
      event: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0),
      // SQL-looking and hostile text is data like any other: stored verbatim (checked below).
      properties: fc.dictionary(anyText, fc.oneof(jsonValue, fc.constant("x'); drop table events; --")), {
        maxKeys: 4,
      }),
      messageId: fc.uuid(),
    });
    const payload = fc.oneof(
      fc.tuple(fc.constant('/v1/track'), validTrack),
      fc.tuple(
        fc.constant('/v1/batch'),
        fc.record({ batch: fc.array(validTrack, { minLength: 1, maxLength: 3 }) }),
      ),
      fc.tuple(
        fc.constantFrom('/v1/track', '/v1/identify', '/v1/page', '/v1/screen', '/v1/group', '/v1/alias'),
        messageLike,
      ),
      fc.tuple(
        fc.constant('/v1/batch'),
        fc.record(
          { batch: fc.oneof(fc.array(messageLike, { maxLength: 5 }), jsonValue) },
          { requiredKeys: [] },
        ),
      ),
      fc.tuple(fc.constantFrom('/v1/track', '/v1/batch'), jsonValue),
      fc.tuple(fc.constantFrom('/v1/track', '/v1/batch'), fc.string()),
    );
    const eventCount = async () =>
      (await database.db.execute<{ n: number }>(sql`select count(*)::int as n from events`))[0]?.n ?? 0;
    const statuses = new Map<number, number>();
    const unnamed: string[] = [];
    const firstAccepted = new Map<string, unknown>();
    const unchecked = Symbol('not a track');
    const runs = sized(1_000, 10_000);
    await fc.assert(
      fc.asyncProperty(payload, async ([path, body]) => {
        const raw = typeof body === 'string' ? body : JSON.stringify(body);
        const before = await eventCount();
        const response = await postJson(api, path, raw ?? 'null');
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const answer = (await response.json().catch(() => ({}))) as { error?: string };
        if (response.status >= 500) return false;
        if (response.status >= 400) {
          if (!answer.error) unnamed.push(raw ?? '');
          return (await eventCount()) === before; // a refusal changes nothing
        }
        // The first accepted message of each messageId is the one stored (later ones are duplicates).
        // Its properties are compared as the wire carried them: JSON has no -0.
        const sent: unknown = raw === undefined ? null : JSON.parse(raw);
        const messages = path === '/v1/batch' ? (sent as { batch?: unknown }).batch : [sent];
        for (const message of Array.isArray(messages) ? messages : []) {
          if (typeof message !== 'object' || message === null) continue;
          const { messageId } = message as { messageId?: unknown };
          if (typeof messageId !== 'string' || firstAccepted.has(messageId)) continue;
          const track = path === '/v1/track' && 'properties' in message;
          firstAccepted.set(messageId, track ? (message as { properties: unknown }).properties : unchecked);
        }
        return true;
      }),
      { numRuns: runs },
    );
    // Accepted properties come back exactly as sent, SQL-looking strings included.
    const tracks = new Map([...firstAccepted].filter(([, properties]) => properties !== unchecked));
    // The empty id keeps the list valid SQL when no track was accepted.
    const rows = await database.db.execute<{ message_id: string; properties: unknown }>(
      sql`select message_id, properties from events where message_id in ${[...tracks.keys(), '']}`,
    );
    for (const row of rows)
      expect({ [row.message_id]: row.properties }).toEqual({ [row.message_id]: tracks.get(row.message_id) });
    const verbatim = rows.length;
    await reportFigures('fuzz ingest', {
      payloads: runs,
      ...Object.fromEntries([...statuses].map(([status, n]) => [`HTTP ${status}`, n])),
      'refusals without a reason': unnamed.length,
      'stored verbatim (checked)': verbatim,
    });
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(unnamed).toEqual([]);
    expect(statuses.get(400)).toBeGreaterThan(runs / 10); // most random payloads are invalid …
    expect(statuses.get(200)).toBeGreaterThan(10); // … and some are valid and stored
    expect(verbatim).toBeGreaterThan(0);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  }, 900_000);

  it(`definitions: ${sized('2,000', '20,000')} mutated journeys — the validator never throws; each problem has a path`, () => {
    // Start from real journeys and break them: replace, retype or delete a value at a random path.
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      value && typeof value === 'object'
        ? [
            prefix,
            ...Object.entries(value).flatMap(([key, child]) =>
              paths(child, [...prefix, Array.isArray(value) ? Number(key) : key]),
            ),
          ]
        : [prefix];
    const mutate = (journey: unknown, at: (string | number)[], replacement: unknown, remove: boolean) => {
      const copy = structuredClone(journey) as Record<string | number, unknown>;
      if (at.length === 0) return replacement;
      let parent: Record<string | number, unknown> = copy;
      for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = at.at(-1) as string | number;
      if (remove) Reflect.deleteProperty(parent, last);
      else parent[last] = replacement;
      return copy;
    };
    const journeys = builtInJourneys.map((journey) => JSON.parse(JSON.stringify(journey)) as unknown);
    const mutation = fc
      .record({
        journey: fc.constantFrom(...journeys),
        pick: fc.nat(),
        replacement: fc.oneof(
          jsonValue,
          fc.constantFrom('', '-1h', 'wait', 'nope', null, {}, []),
          fc.anything(),
        ),
        remove: fc.boolean(),
        times: fc.integer({ min: 1, max: 4 }),
      })
      .map(({ journey, pick, replacement, remove, times }) => {
        let current: unknown = journey;
        for (let i = 0; i < times; i++) {
          const all = paths(current);
          current = mutate(current, all[(pick + i * 7) % all.length] ?? [], replacement, remove);
        }
        return current;
      });
    let ok = 0;
    let refused = 0;
    const runs = sized(2_000, 20_000);
    fc.assert(
      fc.property(mutation, (input) => {
        const result = validateJourney(input, { templates: templateIds });
        if (result.ok) ok++;
        else refused++;
        return (
          result.ok ||
          (result.problems.length > 0 &&
            result.problems.every((p) => typeof p.path === 'string' && p.message.length > 0))
        );
      }),
      { numRuns: runs },
    );
    void reportFigures('fuzz definitions', { definitions: runs, accepted: ok, refused });
    expect(refused).toBeGreaterThan(runs / 4);
  });

  it('templates: hostile names and subjects — no header injection, no markup in push or SMS, no script in HTML', async () => {
    const smtp = await startSmtpPeer();
    const adapter = createEmailAdapter({
      smtpUrl: smtp.url,
      from: 'Shop <shop@fuzz.test>',
      messageIdDomain: 'fuzz.test',
    });
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(
        'Eve\r\nBcc: all@example.com',
        'Eve\nSubject: pwned',
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '{{ shop.name }}{% raw %}',
        'javascript:alert(1)',
        "Robert'); DROP TABLE customers;--",
      ),
    );
    const contextOf = (name: string, url: string): RenderContext => ({
      profile: { traits: { name, email: 'eve@fuzz.test' }, orderCount: 0 },
      trigger: { properties: { name } },
      cart: { items: [{ productId: 'p', name, price: 1, quantity: 1, url }] },
      journey: { id: 'fuzz', step: 'send' },
      shop: { url: 'https://shop.test', name: 'Shop' },
      unsubscribe_url: 'https://shop.test/unsubscribe?token=t',
    });
    let mailed = 0;
    const runs = sized(300, 3_000);
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (name, url) => {
        const context = contextOf(name, url);
        for (const [id, parts] of Object.entries(templates)) {
          for (const channel of Object.keys(parts) as (keyof typeof parts)[]) {
            const message = await renderMessage(parts, channel, context);
            if (message.channel === 'email') {
              expect(message.subject).not.toMatch(/[\r\n]/);
              expect(message.html).not.toMatch(/<script|<img src=x/i);
            }
            if (message.channel === 'sms') expect(message.text).not.toMatch(/<\/?[a-z!][^>]*>/i);
            if (message.channel === 'push') {
              expect(`${message.title} ${message.body}`).not.toMatch(/[<>\r\n]/);
              expect(message.url).toMatch(/^https?:\/\//);
            }
            void id;
          }
        }
        // Through the real adapter to a real SMTP server: the headers are the ones we set, no more.
        if (mailed < 50) {
          const email = await renderMessage(templates['cart-reminder']!, 'email', context);
          await adapter.send({
            message: email,
            recipient: { channel: 'email', email: 'eve@fuzz.test' },
            idempotencyKey: `fuzz-${mailed}`,
            category: 'marketing',
            unsubscribeUrl: 'https://shop.test/u',
          });
          const received = await simpleParser(smtp.raw.at(-1)!);
          expect(received.headers.has('bcc')).toBe(false);
          expect(
            received.to && !Array.isArray(received.to) ? received.to.value.map((a) => a.address) : [],
          ).toEqual(['eve@fuzz.test']);
          mailed++;
        }
      }),
      { numRuns: runs },
    );
    await smtp.close();
    await reportFigures('fuzz templates', {
      'hostile contexts': runs,
      'mails checked at the SMTP peer': mailed,
    });
    expect(mailed).toBe(Math.min(50, runs));
  }, 600_000);
});
