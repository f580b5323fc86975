import { readFile } from 'node:fs/promises';
import { compileErrors, validate } from '@readme/openapi-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiTags, errorReply } from '../api/openapi-schemas.js';
import { batchReply } from '../api/segment-route-docs.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import { registeredRoutes } from './helpers/fastify-routes.js';

type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Document = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
};

/** The reference itself: the page, its assets, and the document. Every other route is described. */
const isDocsRoute = (url: string) => url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/');
/** `:identity` in fastify is `{identity}` in OpenAPI. */
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** Issue 17: /openapi.json describes every route, from the zod schemas; /docs shows it; GET / answers. */
describe('OpenAPI document', () => {
  const context = useApiWithDatabase();
  let api: TestApi;
  let document: Document;
  let text: string;
  beforeAll(async () => {
    api = context.api;
    const response = await fetch(`${api.url}/openapi.json`);
    expect(response.status).toBe(200);
    text = await response.text();
    document = JSON.parse(text) as Document;
  });

  it('is a valid OpenAPI 3.1 document for @readme/openapi-parser', async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await validate(JSON.parse(text) as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.specification).toBe('OpenAPI');
  });

  it('describes every route fastify registered, and only those', () => {
    const routes = registeredRoutes(api.app);
    const gets = new Set(routes.filter((route) => route.method === 'GET').map((route) => route.url));
    const expected = routes
      .filter((route) => !isDocsRoute(route.url))
      // fastify answers HEAD for every GET by itself; CORS preflights (OPTIONS *) for every path.
      .filter((route) => !(route.method === 'HEAD' && gets.has(route.url)))
      .filter((route) => !(route.method === 'OPTIONS' && route.url === '*'))
      .map((route) => `${route.method} ${openapiPath(route.url)}`);
    expect(expected.length).toBeGreaterThan(20);
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual([...new Set(expected)].sort());
  });

  it('gives each operation a summary, a known tag, its access and a success reply', () => {
    const tags = new Set<string>(apiTags.map((tag) => tag.name));
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(operation.summary, where).toBeTruthy();
        expect(operation.tags?.length, where).toBe(1);
        expect(tags.has(operation.tags?.[0] ?? ''), where).toBe(true);
        expect(Array.isArray(operation.security), where).toBe(true);
        expect(
          Object.keys(operation.responses).some((code) => code.startsWith('2')),
          where,
        ).toBe(true);
      }
    }
  });

  it('shows the batch call items as Segment messages and the per-item refusal report', () => {
    const batch = document.paths['/v1/batch']?.post;
    const body = batch?.requestBody?.content['application/json']?.schema as {
      properties: { batch: { items: { oneOf: unknown[] }; maxItems: number } };
    };
    expect(body.properties.batch.items.oneOf).toHaveLength(6);
    expect(body.properties.batch.maxItems).toBe(2500);
    const reply = batch?.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, { items?: { properties: Record<string, unknown> } }>;
    };
    expect(Object.keys(reply.properties.refused?.items?.properties ?? {})).toEqual([
      'index',
      'path',
      'reason',
    ]);
    expect(batch?.security).toContainEqual({ writeKey: [] });
    expect(document.paths['/admin/customers/{identity}']?.get?.security).toEqual([{ adminToken: [] }]);
  });

  it('matches what the routes answer: a batch with a bad item, and a refusal', async () => {
    const response = await postJson(api, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'openapi-1', event: 'Viewed' },
        { type: 'track', userId: 'openapi-1' },
      ],
    });
    expect(response.status).toBe(200);
    const reply = batchReply.parse(await response.json());
    expect(reply.refused).toEqual([{ index: 1, path: 'batch[1].event', reason: expect.any(String) }]);
    const refusal = await postJson(api, '/v1/track', { userId: 'openapi-1' });
    expect(refusal.status).toBe(400);
    expect(errorReply.parse(await refusal.json()).issues?.[0]?.path).toBe('event');
  });

  it('shows the reference page with its own assets, and names the service at GET /', async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
    const bundle = await fetch(`${api.url}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    await bundle.arrayBuffer();

    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const root = await fetch(`${api.url}/`);
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({
      service: 'omnijourney',
      version,
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health' },
    });
    expect(document.info.version).toBe(version);
  });
});
