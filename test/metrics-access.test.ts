import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { startTestApi, type TestApi } from './helpers/api.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** Issue 17: /metrics public on the API port (the default), behind the admin token, or on its own port. */
describe('/metrics access (METRICS_AUTH, METRICS_PORT)', () => {
  let database: TestDatabase;
  const apis: TestApi[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const api of apis) await api.close();
    await database?.drop();
  });
  const start = async (metrics: NonNullable<Parameters<typeof startTestApi>[1]>['metrics']) => {
    const api = await startTestApi(database.db, { metrics });
    apis.push(api);
    return api;
  };
  const get = (url: string, token?: string) =>
    fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('reads the settings: public on the API port unless told otherwise', () => {
    expect(loadConfig({}).api.metrics).toEqual({ port: undefined, auth: 'public' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_AUTH: 'token' }).api.metrics).toEqual({
      port: 9464,
      auth: 'token',
    });
    expect(() => loadConfig({ METRICS_AUTH: 'secret' })).toThrow(/METRICS_AUTH/);
  });

  it('default: public on the API port', async () => {
    const api = await start(undefined);
    const response = await get(api.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('omnijourney_');
  });

  it('METRICS_AUTH=token: 401 without the admin token, 200 with it', async () => {
    const api = await start({ auth: 'token' });
    const refused = await get(api.url);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toContain('Authorization: Bearer');
    expect((await get(api.url, 'wrong')).status).toBe(401);
    expect((await get(api.url, api.secrets.adminToken)).status).toBe(200);
  });

  it('METRICS_PORT: on its own loopback listener, not on the API port; with the token if asked', async () => {
    const api = await start({ port: 0, auth: 'public' });
    expect(api.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(api.url)).status).toBe(404);
    const response = await get(api.metricsUrl!);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('omnijourney_');

    const guarded = await start({ port: 0, auth: 'token' });
    expect((await get(guarded.metricsUrl!)).status).toBe(401);
    expect((await get(guarded.metricsUrl!, guarded.secrets.adminToken)).status).toBe(200);
  });
});
