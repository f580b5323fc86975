import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, identities, segmentMemberships } from '../db/schema.js';
import { adminCall } from './helpers/admin.js';
import { postJson, useApiWithDatabase } from './helpers/api.js';
import { runCli } from './helpers/cli.js';

/**
 * `omnijourney segments …` and the admin routes, on real PostgreSQL, with the README's example
 * segment (the commands the README shows are the ones run here). Events are stored through the
 * real ingest API before the segment exists, so the deploy's population is what fills it.
 */
const hour = 3_600_000;

describe('segments from the CLI and the admin API', () => {
  const context = useApiWithDatabase();
  let dir: string;
  let file: string;
  let readmeSegment: string;
  const idOf: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'segments-'));
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    readmeSegment = /### Segments[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    file = path.join(dir, 'shoe-browsers.yaml');
    await writeFile(file, readmeSegment);
    const now = Date.now();
    // ann: 3 shoe views, reachable; bob: 2 shoe views; cid: 3 views and an order; dee: 3 views, no email.
    const plan: [string, number, boolean, boolean][] = [
      ['ann', 3, false, true],
      ['bob', 2, false, true],
      ['cid', 3, true, true],
      ['dee', 3, false, false],
    ];
    for (const [userId, views, ordered, email] of plan) {
      const batch: object[] = [
        { type: 'identify', userId, traits: email ? { email: `${userId}@example.test` } : { name: userId } },
        ...Array.from({ length: views }, (_, i) => ({
          type: 'track',
          userId,
          event: 'Product Viewed',
          properties: { category: 'shoes' },
          timestamp: new Date(now - (5 - i) * hour).toISOString(),
        })),
        ...(ordered
          ? [{ type: 'track', userId, event: 'Order Completed', properties: { orderId: userId } }]
          : []),
      ];
      expect((await postJson(context.api, '/v1/batch', { batch })).status).toBe(200);
    }
    for (const row of await context.database.db.select().from(identities))
      if (row.kind === 'user_id') idOf[row.value] = row.customerId;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: context.database.url });
  const written = async () => ({
    rows: (await context.database.db.select({ n: count() }).from(segmentMemberships))[0]?.n,
    events: (await context.database.db.select({ n: count() }).from(events))[0]?.n,
  });

  it('validate: ok for the README example; every problem of a bad file with its line and column, exit 2', async () => {
    const ok = await cli('segments', 'validate', file);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^ok {2}.*shoe-browsers\.yaml \(shoe-browsers, version [0-9a-f]{12}\)\n$/);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'id: bad\nname: Bad\nconditions:\n  - event: Order Completed\n    withn: 60d\n  - segment: vip\n',
    );
    const refused = await cli('segments', 'validate', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `omnijourney: ${bad} is not a valid segment:\n` +
        `  ${bad}:5:5: conditions[0].withn: unknown field "withn" (did you mean "within"?)\n`,
    );
    await writeFile(bad, 'id: bad\nname: Bad\nconditions:\n  - segment: shoe-browser\n');
    expect((await cli('segments', 'validate', bad, file)).stderr).toContain(
      `${bad}:4:14: conditions[0].segment: unknown segment "shoe-browser" (did you mean "shoe-browsers"?)`,
    );
    expect((await cli('segments', 'deploy', bad)).code).toBe(2);
    expect(await written()).toMatchObject({ rows: 0 });
  });

  it('preview before deploy: size and sample, nothing written', async () => {
    const before = await written();
    const shown = await cli('segments', 'preview', file);
    expect(shown).toMatchObject({ code: 0 });
    expect(shown.stdout).toContain('(not deployed)');
    expect(shown.stdout).toContain('size     1 of 4 customers evaluated');
    expect(shown.stdout).toContain(`sample   ${idOf.ann}`);
    expect(await written()).toEqual(before);
  });

  it('deploy populates the segment; list and show read it', async () => {
    const deployed = await cli('segments', 'deploy', file);
    expect(deployed).toMatchObject({ code: 0 });
    expect(deployed.stdout).toMatch(/shoe-browsers\s+[0-9a-f]{12}\s+deployed\s+4\s+1/);
    const [row] = await context.database.db
      .select()
      .from(segmentMemberships)
      .where(eq(segmentMemberships.member, true));
    expect(row).toMatchObject({ customerId: idOf.ann, entries: 1 });
    expect((await cli('segments', 'deploy', file)).stdout).toMatch(/unchanged/);
    const list = await cli('segments', 'list');
    expect(list.stdout).toMatch(
      /^ID\s+VERSION\s+MEMBERS\s+DEPLOYED\s+NAME\nshoe-browsers\s+[0-9a-f]{12}\s+1\s/,
    );
    const show = await cli('segments', 'show', 'shoe-browsers');
    expect(show.stdout).toContain('members  1');
    expect(show.stdout).toContain(`sample   ${idOf.ann}`);
    expect(show.stdout).toContain('event: Product Viewed');
    const unknown = await cli('segments', 'show', 'shoe-browser');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no deployed segment "shoe-browser" (did you mean "shoe-browsers"?)');
  });

  it('preview of a changed version: who would enter and who would leave, nothing written', async () => {
    const changed = path.join(dir, 'changed.yaml');
    await writeFile(
      changed,
      readmeSegment
        .replace('count: { gte: 3 }', 'count: { gte: 2 }')
        .replace(/reachable: email.*\n/, 'reachable: sms\n'),
    );
    const before = await written();
    const json = JSON.parse((await cli('segments', 'preview', changed, '--json')).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      segmentId: 'shoe-browsers',
      size: 0,
      change: { entering: 0, leaving: 1, leavingSample: [idOf.ann] },
    });
    await writeFile(changed, readmeSegment.replace('count: { gte: 3 }', 'count: { gte: 2 }'));
    const text = (await cli('segments', 'preview', changed)).stdout;
    expect(text).toContain(`entering 1  ${idOf.bob}`);
    expect(text).toContain('leaving  0');
    expect(await written()).toEqual(before);
  });

  it('GET /admin/segments, GET /admin/segments/{id}, POST /admin/segments/preview', async () => {
    const target = { url: context.api.url, adminToken: context.api.secrets.adminToken };
    const list = await adminCall(target, 'GET', '/admin/segments');
    expect(await list.json()).toMatchObject([{ id: 'shoe-browsers', members: 1 }]);
    const one = await adminCall(target, 'GET', '/admin/segments/shoe-browsers');
    expect(await one.json()).toMatchObject({ id: 'shoe-browsers', sample: [idOf.ann], versions: [{}] });
    expect((await adminCall(target, 'GET', '/admin/segments/nope')).status).toBe(404);
    const definition = {
      id: 'shoe-browsers',
      name: 'Shoe browsers',
      conditions: [{ event: 'Product Viewed', count: { gte: 2 } }],
    };
    const preview = await adminCall(target, 'POST', '/admin/segments/preview', definition);
    expect(await preview.json()).toMatchObject({ size: 4, change: { entering: 3, leaving: 0 } });
    const bad = await adminCall(target, 'POST', '/admin/segments/preview', { ...definition, matc: 'any' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'matc: unknown field "matc" (did you mean "match"?)' });
    expect((await adminCall(target, 'GET', '/admin/segments', undefined, null)).status).toBe(401);
  });
});
