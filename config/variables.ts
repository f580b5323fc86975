import path from 'node:path';
import { z } from 'zod';
import { defaultMaxClockSkewMs } from '../domain/event-time.js';
import { knownPushHosts } from '../domain/push-endpoint.js';
import { projectRoot } from '../infra/project-root.js';
import {
  atLeast,
  bool,
  duration,
  fixHints,
  hostPort,
  httpUrl,
  isOrigin,
  port,
  postgresUrl,
  rateLimit,
  variable,
  wholeNumber,
} from './variable.js';

/**
 * Every environment variable the engine reads, once: its schema, how to fix a bad value, and its
 * default. Unset values fall back to the embedded default (a local Temporal dev server and an
 * embedded PostgreSQL under OMNIJOURNEY_DATA_DIR), so a fresh checkout runs with no settings.
 * The order is the order of the checks: the first bad variable is the one reported.
 */

export { projectRoot };

const portFix = 'set it to a port number (0 picks a free one)';
const rateFix =
  'set it to messages per second, minute or hour, e.g. 200/s or 12000/min (optionally ", burst 50"), or unset it for no limit';

export const envSchema = z.object({
  OMNIJOURNEY_DATA_DIR: variable(z.string(), { fix: 'set it to a writable folder', default: '.omnijourney' }),
  OMNIJOURNEY_TOOLS_DIR: variable(z.string(), {
    fix: 'set it to a writable folder',
    default: path.join(projectRoot, '.tools'),
  }),
  DATABASE_URL: variable(postgresUrl, {
    fix: 'set it to postgres://USER:PASSWORD@HOST:5432/DATABASE, or unset it to use the embedded PostgreSQL',
  }),
  DATABASE_POOL_SIZE: variable(wholeNumber(1, 200), {
    fix: 'set it to a whole number from 1 to 200',
    default: 20,
  }),
  EMBEDDED_POSTGRES_PORT: variable(port, { fix: portFix, default: 0 }),
  TEMPORAL_ADDRESS: variable(hostPort, {
    fix: 'set it to host:port of a Temporal frontend, or unset it to use the embedded dev server',
  }),
  TEMPORAL_NAMESPACE: variable(z.string().trim().min(1), {
    fix: 'set it to an existing namespace name',
    default: 'default',
  }),
  TEMPORAL_TASK_QUEUE: variable(z.string().trim().min(1), {
    fix: 'set it to a task queue name',
    default: 'omnijourney',
  }),
  TEMPORAL_API_KEY: variable(z.string(), { fix: 'set it to the API key of your Temporal Cloud namespace' }),
  // Unset: TLS when a client certificate or CA is given (loadConfig).
  TEMPORAL_TLS: variable(bool, { fix: 'set it to true or false' }),
  TEMPORAL_TLS_CERT_PATH: variable(z.string(), { fix: 'set it to the path of a PEM client certificate' }),
  TEMPORAL_TLS_KEY_PATH: variable(z.string(), { fix: 'set it to the path of a PEM client key' }),
  TEMPORAL_TLS_CA_PATH: variable(z.string(), { fix: 'set it to the path of a PEM CA bundle' }),
  TEMPORAL_TLS_SERVER_NAME: variable(z.string(), { fix: 'set it to the TLS server name to verify' }),
  TEMPORAL_CLI_PATH: variable(z.string(), { fix: 'set it to the path of the `temporal` executable' }),
  TEMPORAL_TEST_SERVER_PATH: variable(z.string(), {
    fix: 'set it to the path of the `temporal-test-server` executable',
  }),
  TEMPORAL_DEV_PORT: variable(port, { fix: portFix, default: 7233 }),
  TEMPORAL_UI_PORT: variable(port, { fix: portFix, default: 8233 }),
  API_HOST: variable(z.string().trim().min(1), {
    fix: 'set it to the address to listen on (127.0.0.1 by default)',
    default: '127.0.0.1',
  }),
  API_PORT: variable(port, { fix: portFix, default: 3000 }),
  // Unset: /metrics on the API's port. Set: /metrics alone on 127.0.0.1 at this port, not on the API's.
  METRICS_PORT: variable(port, { fix: portFix }),
  METRICS_AUTH: variable(z.enum(['public', 'token']), {
    fix: 'set it to public (anyone who reaches the port) or token (Authorization: Bearer ADMIN_API_TOKEN)',
    default: 'public',
  }),
  PUBLIC_BASE_URL: variable(httpUrl, {
    fix: 'set it to the http(s) URL at which providers and customers reach this API',
  }),
  // Links in messages (push `url`, `{{ shop.url }}` in email and SMS) point here, never at the engine.
  SHOP_URL: variable(httpUrl, {
    fix: 'set it to the http(s) URL of your shop, e.g. https://shop.example.com',
  }),
  OMNIJOURNEY_API_URL: variable(httpUrl, {
    fix: 'set it to the http(s) URL of a running Omnijourney API (for `events send|import`)',
  }),
  INGEST_WRITE_KEYS: variable(z.string().trim().min(1), {
    fix: 'set it to one or more write keys separated by commas',
  }),
  // Public keys for web pages and apps: they cannot set consent, alias, import or claim others' identities.
  INGEST_CLIENT_KEYS: variable(z.string().trim().min(1), {
    fix: 'set it to one or more client write keys separated by commas, or unset it for none',
  }),
  // Signs user tokens (HS256 JWTs) with which a client key acts for one known user.
  USER_TOKEN_SECRET: variable(atLeast(32), {
    fix: 'set it to a random string of at least 32 characters (openssl rand -hex 32), shared with your shop server',
  }),
  ADMIN_API_TOKEN: variable(atLeast(16), { fix: 'set it to a random string of at least 16 characters' }),
  UNSUBSCRIBE_SECRET: variable(atLeast(32), {
    fix: 'set it to a random string of at least 32 characters (openssl rand -hex 32)',
  }),
  TWILIO_AUTH_TOKEN: variable(z.string().min(1), { fix: "set it to your Twilio account's auth token" }),
  VAPID_PUBLIC_KEY: variable(z.string().min(1), {
    fix: 'set it to the VAPID public key (npx web-push generate-vapid-keys)',
  }),
  VAPID_PRIVATE_KEY: variable(z.string().min(1), {
    fix: 'set it to the VAPID private key (npx web-push generate-vapid-keys)',
  }),
  VAPID_SUBJECT: variable(
    z.string().regex(/^(mailto:|https:)/, { message: 'must start with mailto: or https:' }),
    {
      fix: 'set it to mailto:you@example.com or an https URL',
      default: 'mailto:ops@example.com',
    },
  ),
  // Push endpoints are registered and sent to only on these hosts (`*.` for any subdomain); never loopback or private addresses.
  PUSH_ALLOWED_HOSTS: variable(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, { message: 'is not a host name' }))
          .min(1, { message: 'names no host' }),
      ),
    {
      fix: 'set it to push service host names separated by commas, e.g. fcm.googleapis.com,*.push.apple.com',
      default: () => [...knownPushHosts],
    },
  ),
  // Web pages (their origins) that may call the ingest and push-subscription routes from a browser (CORS).
  CORS_ALLOWED_ORIGINS: variable(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim().replace(/\/+$/, ''))
          .filter(Boolean),
      )
      .pipe(
        z.array(z.string().refine(isOrigin, { message: 'is not an origin (scheme://host[:port], no path)' })),
      ),
    {
      fix: 'set it to the origins of your shop pages separated by commas, e.g. https://shop.example.com,https://www.shop.example.com',
      default: () => [],
    },
  ),
  DEFAULT_PHONE_COUNTRY: variable(
    z.string().regex(/^[A-Z]{2}$/, { message: 'is not a two-letter country code' }),
    { fix: 'set it to an ISO country code such as US or FR' },
  ),
  // How far ahead of the receive time an event may be dated; a later time is replaced by the receive time.
  INGEST_MAX_CLOCK_SKEW: variable(duration(86_400_000), {
    fix: 'set it to a duration of at most a day, such as 5m or 30s',
    default: defaultMaxClockSkewMs,
  }),
  SMTP_URL: variable(z.string().regex(/^smtps?:\/\//, { message: 'is not an smtp:// or smtps:// URL' }), {
    fix: 'set it to smtp://user:password@host:587 (or smtps://…:465)',
  }),
  // Its domain is the right-hand side of every Message-ID, so it must name one.
  EMAIL_FROM: variable(
    z.string().regex(/@[^@\s<>]+>?\s*$/, { message: 'has no sender address with a domain' }),
    {
      fix: 'set it to the sender, e.g. "Shop <shop@example.com>" (its domain also names every Message-ID)',
      default: 'Omnijourney <no-reply@localhost>',
    },
  ),
  DKIM_DOMAIN: variable(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { message: 'is not a domain name' }), {
    fix: 'set it to the signing domain, e.g. example.com',
  }),
  DKIM_SELECTOR: variable(z.string().regex(/^[a-z0-9._-]+$/i, { message: 'is not a DKIM selector' }), {
    fix: 'set it to the selector whose TXT record holds the public key, e.g. s1',
  }),
  DKIM_PRIVATE_KEY_PATH: variable(z.string().min(1), {
    fix: 'set it to the path of the PEM private key for DKIM',
  }),
  TWILIO_ACCOUNT_SID: variable(
    z.string().regex(/^AC[0-9a-fA-F]{32}$/, { message: 'is not a Twilio account SID (AC…)' }),
    { fix: 'set it to your Twilio account SID (starts with AC)' },
  ),
  TWILIO_FROM: variable(z.string().min(2), { fix: 'set it to your Twilio sender number in E.164' }),
  TWILIO_MESSAGING_SERVICE_SID: variable(
    z.string().regex(/^MG[0-9a-fA-F]{32}$/, { message: 'is not a Messaging Service SID (MG…)' }),
    { fix: 'set it to a Messaging Service SID (starts with MG)' },
  ),
  WEBHOOK_URL: variable(httpUrl, { fix: 'set it to the http(s) URL that receives webhook-channel messages' }),
  WEBHOOK_SECRET: variable(atLeast(32), { fix: 'set it to a random string of at least 32 characters' }),
  // Provider rate governor: one rate per channel and provider account, shared by every worker.
  // Unset: the channel is not paced. Every worker should be given the same values.
  RATE_LIMIT_EMAIL: variable(rateLimit, { fix: rateFix }),
  RATE_LIMIT_SMS: variable(rateLimit, { fix: rateFix }),
  RATE_LIMIT_PUSH: variable(rateLimit, { fix: rateFix }),
  RATE_LIMIT_WEBHOOK: variable(rateLimit, { fix: rateFix }),
  // Memory is the cache: about 1 MB per cached run, so 1,000 keeps a worker near 1 GB however
  // many runs wait (the rest are replayed from their short histories when they wake).
  WORKER_MAX_CACHED_WORKFLOWS: variable(wholeNumber(1, 1_000_000), {
    fix: 'set it to a whole number from 1 to 1000000 (workflows kept in memory)',
    default: 1_000,
  }),
  // Unset: the SDK's default.
  WORKER_MAX_WORKFLOW_TASKS: variable(wholeNumber(1, 1_000), {
    fix: 'set it to a whole number from 1 to 1000 (workflow tasks run at once)',
  }),
  WORKER_MAX_ACTIVITIES: variable(wholeNumber(1, 10_000), {
    fix: 'set it to a whole number from 1 to 10000 (activities run at once)',
  }),
  WORKER_WORKFLOW_BUNDLE: variable(z.string().trim().min(1), {
    fix: 'set it to a file written by `omnijourney bundle`',
  }),
  LOG_LEVEL: variable(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), {
    fix: 'set it to one of fatal, error, warn, info, debug, trace, silent',
    default: 'info',
  }),
  LOG_FORMAT: variable(z.enum(['pretty', 'json']), {
    fix: 'set it to pretty or json',
    default: () => (process.stdout.isTTY ? 'pretty' : 'json'),
  }),
});

export type EnvValues = z.output<typeof envSchema>;

/** The fix hint of each variable, by name. */
export const fixes: ReadonlyMap<string, string | undefined> = new Map(
  Object.entries(envSchema.shape).map(([name, schema]) => [name, fixHints.get(schema)?.fix]),
);
