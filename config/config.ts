import path from 'node:path';
import type { z } from 'zod';
import type { Channel } from '../domain/channels.js';
import type { RateLimit } from '../domain/token-bucket.js';
import { maskUrl } from '../infra/log-masking.js';
import type { TemporalTlsConfig } from '../infra/temporal-cluster.js';
import { UserError } from '../infra/user-error.js';
import { envSchema, fixes, type EnvValues } from './variables.js';

/**
 * Every setting the engine reads, as one typed object: the environment parsed by the table of
 * variables (config/variables.ts, with each one's default and fix hint), then shaped here.
 */

export { projectRoot } from './variables.js';

export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  /** A prebuilt workflow bundle (`omnijourney bundle`): the worker skips bundling at start. */
  workflowBundle?: string;
}

export interface Config {
  dataDir: string;
  toolsDir: string;
  /** Worker tuning; unset values keep the SDK's defaults (README "Tuning"). */
  worker: WorkerTuning;
  database: {
    /** Unset: the engine runs an embedded PostgreSQL in `${dataDir}/postgres`. */
    url?: string;
    poolSize: number;
    embeddedPort: number;
  };
  temporal: {
    /** Unset: the engine runs `temporal server start-dev` with state in `${dataDir}/temporal.sqlite`. */
    address?: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    /** Undefined: plain TCP (or TLS implied by an API key). */
    tls?: TemporalTlsConfig;
    cliPath?: string;
    testServerPath?: string;
    devPort: number;
    uiPort: number;
  };
  api: {
    host: string;
    port: number;
    /** Explicit PUBLIC_BASE_URL; otherwise derived from the address the API listens on. */
    publicBaseUrl?: string;
    /** Where CLI commands send events (OMNIJOURNEY_API_URL); else the running `start`'s API. */
    clientUrl?: string;
    defaultPhoneCountry?: string;
    /** INGEST_MAX_CLOCK_SKEW: how far past the receive time an event may be dated (ms). */
    maxClockSkewMs: number;
    /** CORS_ALLOWED_ORIGINS: pages that may call ingest and push routes from a browser; empty: none. */
    corsAllowedOrigins: readonly string[];
    /** METRICS_PORT (own listener on 127.0.0.1) and METRICS_AUTH (public, or the admin bearer token). */
    metrics: { port?: number; auth: 'public' | 'token' };
  };
  /** PUSH_ALLOWED_HOSTS: the push services whose endpoints are registered and sent to. */
  push: { allowedHosts: readonly string[] };
  /** SHOP_URL: the shop that links in messages open; unset: the engine's public URL stands in. */
  shop: { url?: string };
  /** Secrets from the environment; `omnijourney start` fills gaps with generated dev secrets. */
  secrets: Partial<Secrets>;
  /** Channel providers; a channel without its settings has no adapter and is skipped with that reason. */
  channels: {
    email?: {
      smtpUrl: string;
      from: string;
      /** Signs mail when set; the key is read from the file at start. */
      dkim?: { domainName: string; keySelector: string; privateKeyPath: string };
    };
    sms?: { accountSid: string; from?: string; messagingServiceSid?: string };
    webhook?: { url: string; secret: string };
  };
  /** RATE_LIMIT_<CHANNEL>: the provider rate governor's rate per account; an absent channel is not paced. */
  rateLimits: Partial<Record<Channel, RateLimit>>;
  log: { level: string; format: 'pretty' | 'json' };
}

export interface Secrets {
  /** Server write keys (INGEST_WRITE_KEYS): full trust. */
  writeKeys: string[];
  /** Client write keys (INGEST_CLIENT_KEYS), public: no consent, alias, import or others' identities. */
  clientKeys?: string[];
  /** HS256 secret of signed user tokens (USER_TOKEN_SECRET); unset: tokens are refused. */
  userTokenSecret?: string;
  adminToken: string;
  unsubscribeSecret: string;
  /** Unset: the Twilio webhooks answer 404 (SMS not configured). */
  twilioAuthToken?: string;
  /** Unset: no Web Push. */
  vapid?: { publicKey: string; privateKey: string; subject: string };
}

/** Keys separated by commas, blanks dropped. */
const keyList = (text: string | undefined) =>
  text
    ?.split(',')
    .map((key) => key.trim())
    .filter(Boolean);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw refusal(env, parsed.error.issues[0]);
  const e = parsed.data;
  const tlsWanted = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH);
  return {
    dataDir: path.resolve(e.OMNIJOURNEY_DATA_DIR),
    toolsDir: path.resolve(e.OMNIJOURNEY_TOOLS_DIR),
    worker: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_WORKFLOW_TASKS,
      maxConcurrentActivityTaskExecutions: e.WORKER_MAX_ACTIVITIES,
      workflowBundle: e.WORKER_WORKFLOW_BUNDLE && path.resolve(e.WORKER_WORKFLOW_BUNDLE),
    },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      embeddedPort: e.EMBEDDED_POSTGRES_PORT,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: tlsWanted
        ? {
            certPath: e.TEMPORAL_TLS_CERT_PATH,
            keyPath: e.TEMPORAL_TLS_KEY_PATH,
            caPath: e.TEMPORAL_TLS_CA_PATH,
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      clientUrl: e.OMNIJOURNEY_API_URL?.replace(/\/+$/, ''),
      defaultPhoneCountry: e.DEFAULT_PHONE_COUNTRY,
      maxClockSkewMs: e.INGEST_MAX_CLOCK_SKEW,
      corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
      metrics: { port: e.METRICS_PORT, auth: e.METRICS_AUTH },
    },
    push: { allowedHosts: e.PUSH_ALLOWED_HOSTS },
    shop: { url: e.SHOP_URL?.replace(/\/+$/, '') },
    secrets: {
      writeKeys: keyList(e.INGEST_WRITE_KEYS),
      clientKeys: keyList(e.INGEST_CLIENT_KEYS),
      userTokenSecret: e.USER_TOKEN_SECRET,
      adminToken: e.ADMIN_API_TOKEN,
      unsubscribeSecret: e.UNSUBSCRIBE_SECRET,
      twilioAuthToken: e.TWILIO_AUTH_TOKEN,
      vapid:
        e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
          ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT }
          : undefined,
    },
    channels: {
      email: e.SMTP_URL ? { smtpUrl: e.SMTP_URL, from: e.EMAIL_FROM, dkim: dkimFrom(e) } : undefined,
      sms:
        e.TWILIO_ACCOUNT_SID && (e.TWILIO_FROM || e.TWILIO_MESSAGING_SERVICE_SID)
          ? {
              accountSid: e.TWILIO_ACCOUNT_SID,
              from: e.TWILIO_FROM,
              messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
            }
          : undefined,
      webhook:
        e.WEBHOOK_URL && e.WEBHOOK_SECRET ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET } : undefined,
    },
    rateLimits: rateLimitsFrom(e),
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
  };
}

/** The first bad variable, its value (a URL's password masked) and its fix, as one line. */
function refusal(env: NodeJS.ProcessEnv, issue: z.core.$ZodIssue | undefined): UserError {
  const variable = String(issue?.path[0] ?? 'environment');
  const raw = env[variable];
  const shown = variable === 'DATABASE_URL' && raw ? maskUrl(raw) : raw;
  return new UserError(
    `${variable}${shown === undefined ? '' : `=${JSON.stringify(shown)}`} ${issue?.message ?? 'is invalid'}`,
    fixes.get(variable),
  );
}

/** DKIM needs all three variables, or none. */
function dkimFrom(e: EnvValues) {
  const set = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY_PATH].filter(Boolean).length;
  if (set === 0) return undefined;
  if (!e.DKIM_DOMAIN || !e.DKIM_SELECTOR || !e.DKIM_PRIVATE_KEY_PATH)
    throw new UserError(
      'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH must be set together',
      'set all three to sign mail, or none',
    );
  return { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKeyPath: e.DKIM_PRIVATE_KEY_PATH };
}

/** RATE_LIMIT_<CHANNEL>, for the channels that set one. */
function rateLimitsFrom(e: EnvValues): Config['rateLimits'] {
  const limits = {
    email: e.RATE_LIMIT_EMAIL,
    sms: e.RATE_LIMIT_SMS,
    push: e.RATE_LIMIT_PUSH,
    webhook: e.RATE_LIMIT_WEBHOOK,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, limit]) => limit !== undefined));
}
