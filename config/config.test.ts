import { describe, expect, it } from 'vitest';
import { maskUrl } from '../infra/log-masking.js';
import { UserError } from '../infra/user-error.js';
import { loadConfig } from './config.js';

function configError(env: NodeJS.ProcessEnv): UserError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('configuration', () => {
  it('runs the embedded default with no settings at all', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal).toMatchObject({
      namespace: 'default',
      taskQueue: 'omnijourney',
      devPort: 7233,
      uiPort: 8233,
    });
    expect(config.dataDir).toMatch(/\.omnijourney$/);
  });

  it('INGEST_CLIENT_KEYS is a comma-separated list beside INGEST_WRITE_KEYS; empty is refused', () => {
    const config = loadConfig({ INGEST_WRITE_KEYS: 'server-1', INGEST_CLIENT_KEYS: ' pub_a, pub_b ,' });
    expect(config.secrets).toMatchObject({ writeKeys: ['server-1'], clientKeys: ['pub_a', 'pub_b'] });
    expect(loadConfig({}).secrets.clientKeys).toBeUndefined();
    const refused = configError({ INGEST_CLIENT_KEYS: ' ' });
    expect(refused.message).toMatch(/^INGEST_CLIENT_KEYS=/);
    expect(refused.fix).toMatch(/client write keys separated by commas/);
  });

  it('USER_TOKEN_SECRET needs at least 32 characters', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ USER_TOKEN_SECRET: secret }).secrets.userTokenSecret).toBe(secret);
    const refused = configError({ USER_TOKEN_SECRET: 'short' });
    expect(refused.message).toMatch(/^USER_TOKEN_SECRET=/);
    expect(refused.fix).toMatch(/at least 32 characters/);
  });

  it('DKIM takes its three variables together, or refuses with one line', () => {
    const dkim = { DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_PATH: '/keys/dkim.pem' };
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25', ...dkim }).channels.email?.dkim).toEqual({
      domainName: 'example.com',
      keySelector: 's1',
      privateKeyPath: '/keys/dkim.pem',
    });
    expect(configError({ SMTP_URL: 'smtp://127.0.0.1:25', DKIM_DOMAIN: 'example.com' }).toLine()).toBe(
      'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH must be set together: set all three to sign mail, or none',
    );
  });

  it('reads a real cluster and database from the environment', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:secret@db.internal:5432/omni',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'shop',
      TEMPORAL_API_KEY: 'k',
    });
    expect(config.database.url).toBe('postgres://app:secret@db.internal:5432/omni');
    expect(config.temporal).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'shop',
      apiKey: 'k',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }).database.url).toBeUndefined();
  });

  it('names the variable and the fix for a malformed DATABASE_URL, without leaking its password', () => {
    const error = configError({ DATABASE_URL: 'mysql://root:hunter2@localhost/db' });
    expect(error.toLine()).toContain('DATABASE_URL');
    expect(error.toLine()).toContain('is not a PostgreSQL URL');
    expect(error.toLine()).toContain('unset it to use the embedded PostgreSQL');
    expect(error.toLine()).not.toContain('hunter2');
  });

  it('names TEMPORAL_ADDRESS when it is not host:port', () => {
    expect(configError({ TEMPORAL_ADDRESS: 'http://temporal' }).toLine()).toMatch(
      /^TEMPORAL_ADDRESS=.*is not host:port/,
    );
  });

  it('refuses out-of-range ports and unknown log levels by name', () => {
    expect(configError({ TEMPORAL_DEV_PORT: '70000' }).toLine()).toContain('TEMPORAL_DEV_PORT');
    expect(configError({ LOG_LEVEL: 'loud' }).toLine()).toContain('LOG_LEVEL');
  });

  it('worker tuning: a bounded cache by default, and a bad number named with its fix', () => {
    expect(loadConfig({}).worker).toMatchObject({ maxCachedWorkflows: 1000 });
    expect(
      loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '250', WORKER_MAX_ACTIVITIES: '20' }).worker,
    ).toMatchObject({
      maxCachedWorkflows: 250,
      maxConcurrentActivityTaskExecutions: 20,
    });
    const line = configError({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }).toLine();
    expect(line).toContain('WORKER_MAX_CACHED_WORKFLOWS="lots"');
    expect(line).toContain('whole number');
  });

  it('ingest clock skew: 5 minutes by default, a duration when set, refused by name when not one', () => {
    expect(loadConfig({}).api.maxClockSkewMs).toBe(300_000);
    expect(loadConfig({ INGEST_MAX_CLOCK_SKEW: '90s' }).api.maxClockSkewMs).toBe(90_000);
    expect(loadConfig({ INGEST_MAX_CLOCK_SKEW: '0s' }).api.maxClockSkewMs).toBe(0);
    expect(configError({ INGEST_MAX_CLOCK_SKEW: 'soon' }).toLine()).toMatch(
      /^INGEST_MAX_CLOCK_SKEW="soon" is not a duration .*: set it to a duration/,
    );
    expect(configError({ INGEST_MAX_CLOCK_SKEW: '2d' }).toLine()).toContain('is longer than 1d');
  });

  it('CORS origins: none by default, exact origins when set, a path or a bare host refused by name', () => {
    expect(loadConfig({}).api.corsAllowedOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ALLOWED_ORIGINS: 'https://shop.example.com/, http://127.0.0.1:8080' }).api
        .corsAllowedOrigins,
    ).toEqual(['https://shop.example.com', 'http://127.0.0.1:8080']);
    expect(configError({ CORS_ALLOWED_ORIGINS: 'https://shop.example.com/cart' }).toLine()).toMatch(
      /^CORS_ALLOWED_ORIGINS=.* is not an origin .*: set it to the origins/,
    );
    expect(configError({ CORS_ALLOWED_ORIGINS: 'shop.example.com' }).toLine()).toContain('is not an origin');
  });

  it('provider rates: none by default (nothing paced), a rate per channel when set, refused by name when not one', () => {
    expect(loadConfig({}).rateLimits).toEqual({});
    expect(loadConfig({ RATE_LIMIT_EMAIL: '200/s', RATE_LIMIT_SMS: '600/min, burst 3' }).rateLimits).toEqual({
      email: { ratePerSecond: 200, burst: 200 },
      sms: { ratePerSecond: 10, burst: 3 },
    });
    expect(configError({ RATE_LIMIT_EMAIL: 'fast' }).toLine()).toMatch(
      /^RATE_LIMIT_EMAIL="fast" is not a rate such as 200\/s.*: set it to messages per second/,
    );
    expect(configError({ RATE_LIMIT_PUSH: '0/s' }).toLine()).toContain('must be more than 0');
  });

  it('masks passwords in printed URLs', () => {
    expect(maskUrl('postgres://u:p%40ss@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(maskUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
  });
});
