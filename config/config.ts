import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { maskUrl } from '../infra/log-masking.js';
import type { TemporalTlsConfig } from '../infra/temporal-cluster.js';
import { UserError } from '../infra/user-error.js';

/**
 * Every setting the engine reads, in one place: zod over the environment.
 * Unset values fall back to the embedded default (a local Temporal dev server and an
 * embedded PostgreSQL under OMNIJOURNEY_DATA_DIR), so a fresh checkout runs with no settings.
 */

const postgresUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: 'is not a PostgreSQL URL' },
  );

const hostPort = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/, { message: 'is not host:port' });

const port = z.coerce.number().int().min(0).max(65535);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());

const envSchema = z.object({
  OMNIJOURNEY_DATA_DIR: optional(z.string()),
  OMNIJOURNEY_TOOLS_DIR: optional(z.string()),
  DATABASE_URL: optional(postgresUrl),
  DATABASE_POOL_SIZE: optional(z.coerce.number().int().min(1).max(200)),
  EMBEDDED_POSTGRES_PORT: optional(port),
  TEMPORAL_ADDRESS: optional(hostPort),
  TEMPORAL_NAMESPACE: optional(z.string().trim().min(1)),
  TEMPORAL_TASK_QUEUE: optional(z.string().trim().min(1)),
  TEMPORAL_API_KEY: optional(z.string()),
  TEMPORAL_TLS: optional(bool),
  TEMPORAL_TLS_CERT_PATH: optional(z.string()),
  TEMPORAL_TLS_KEY_PATH: optional(z.string()),
  TEMPORAL_TLS_CA_PATH: optional(z.string()),
  TEMPORAL_TLS_SERVER_NAME: optional(z.string()),
  TEMPORAL_CLI_PATH: optional(z.string()),
  TEMPORAL_TEST_SERVER_PATH: optional(z.string()),
  TEMPORAL_DEV_PORT: optional(port),
  TEMPORAL_UI_PORT: optional(port),
  API_HOST: optional(z.string().trim().min(1)),
  API_PORT: optional(port),
  PUBLIC_BASE_URL: optional(z.url({ protocol: /^https?$/ })),
  OMNIJOURNEY_API_URL: optional(z.url({ protocol: /^https?$/ })),
  INGEST_WRITE_KEYS: optional(z.string().trim().min(1)),
  ADMIN_API_TOKEN: optional(z.string().min(16, { message: 'is shorter than 16 characters' })),
  UNSUBSCRIBE_SECRET: optional(z.string().min(32, { message: 'is shorter than 32 characters' })),
  TWILIO_AUTH_TOKEN: optional(z.string().min(1)),
  VAPID_PUBLIC_KEY: optional(z.string().min(1)),
  VAPID_PRIVATE_KEY: optional(z.string().min(1)),
  VAPID_SUBJECT: optional(
    z.string().regex(/^(mailto:|https:)/, { message: 'must start with mailto: or https:' }),
  ),
  DEFAULT_PHONE_COUNTRY: optional(
    z.string().regex(/^[A-Z]{2}$/, { message: 'is not a two-letter country code' }),
  ),
  SMTP_URL: optional(z.string().regex(/^smtps?:\/\//, { message: 'is not an smtp:// or smtps:// URL' })),
  EMAIL_FROM: optional(z.string().min(3)),
  DKIM_DOMAIN: optional(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { message: 'is not a domain name' })),
  DKIM_SELECTOR: optional(z.string().regex(/^[a-z0-9._-]+$/i, { message: 'is not a DKIM selector' })),
  DKIM_PRIVATE_KEY_PATH: optional(z.string().min(1)),
  TWILIO_ACCOUNT_SID: optional(
    z.string().regex(/^AC[0-9a-fA-F]{32}$/, { message: 'is not a Twilio account SID (AC…)' }),
  ),
  TWILIO_FROM: optional(z.string().min(2)),
  TWILIO_MESSAGING_SERVICE_SID: optional(
    z.string().regex(/^MG[0-9a-fA-F]{32}$/, { message: 'is not a Messaging Service SID (MG…)' }),
  ),
  WEBHOOK_URL: optional(z.url({ protocol: /^https?$/ })),
  WEBHOOK_SECRET: optional(z.string().min(32, { message: 'is shorter than 32 characters' })),
  WORKER_MAX_CACHED_WORKFLOWS: optional(z.coerce.number().int().min(1).max(1_000_000)),
  WORKER_MAX_WORKFLOW_TASKS: optional(z.coerce.number().int().min(1).max(1_000)),
  WORKER_MAX_ACTIVITIES: optional(z.coerce.number().int().min(1).max(10_000)),
  WORKER_WORKFLOW_BUNDLE: optional(z.string().trim().min(1)),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  LOG_FORMAT: optional(z.enum(['pretty', 'json'])),
});

/** How to fix each variable, shown next to the problem. */
const fixes: Record<keyof z.infer<typeof envSchema>, string> = {
  OMNIJOURNEY_DATA_DIR: 'set it to a writable folder',
  OMNIJOURNEY_TOOLS_DIR: 'set it to a writable folder',
  DATABASE_URL:
    'set it to postgres://USER:PASSWORD@HOST:5432/DATABASE, or unset it to use the embedded PostgreSQL',
  DATABASE_POOL_SIZE: 'set it to a whole number from 1 to 200',
  EMBEDDED_POSTGRES_PORT: 'set it to a port number (0 picks a free one)',
  TEMPORAL_ADDRESS: 'set it to host:port of a Temporal frontend, or unset it to use the embedded dev server',
  TEMPORAL_NAMESPACE: 'set it to an existing namespace name',
  TEMPORAL_TASK_QUEUE: 'set it to a task queue name',
  TEMPORAL_API_KEY: 'set it to the API key of your Temporal Cloud namespace',
  TEMPORAL_TLS: 'set it to true or false',
  TEMPORAL_TLS_CERT_PATH: 'set it to the path of a PEM client certificate',
  TEMPORAL_TLS_KEY_PATH: 'set it to the path of a PEM client key',
  TEMPORAL_TLS_CA_PATH: 'set it to the path of a PEM CA bundle',
  TEMPORAL_TLS_SERVER_NAME: 'set it to the TLS server name to verify',
  TEMPORAL_CLI_PATH: 'set it to the path of the `temporal` executable',
  TEMPORAL_TEST_SERVER_PATH: 'set it to the path of the `temporal-test-server` executable',
  TEMPORAL_DEV_PORT: 'set it to a port number (0 picks a free one)',
  TEMPORAL_UI_PORT: 'set it to a port number (0 picks a free one)',
  API_HOST: 'set it to the address to listen on (127.0.0.1 by default)',
  API_PORT: 'set it to a port number (0 picks a free one)',
  PUBLIC_BASE_URL: 'set it to the http(s) URL at which providers and customers reach this API',
  OMNIJOURNEY_API_URL: 'set it to the http(s) URL of a running Omnijourney API (for `events send|import`)',
  INGEST_WRITE_KEYS: 'set it to one or more write keys separated by commas',
  ADMIN_API_TOKEN: 'set it to a random string of at least 16 characters',
  UNSUBSCRIBE_SECRET: 'set it to a random string of at least 32 characters (openssl rand -hex 32)',
  TWILIO_AUTH_TOKEN: "set it to your Twilio account's auth token",
  VAPID_PUBLIC_KEY: 'set it to the VAPID public key (npx web-push generate-vapid-keys)',
  VAPID_PRIVATE_KEY: 'set it to the VAPID private key (npx web-push generate-vapid-keys)',
  VAPID_SUBJECT: 'set it to mailto:you@example.com or an https URL',
  DEFAULT_PHONE_COUNTRY: 'set it to an ISO country code such as US or FR',
  SMTP_URL: 'set it to smtp://user:password@host:587 (or smtps://…:465)',
  EMAIL_FROM: 'set it to the sender, e.g. "Shop <shop@example.com>"',
  DKIM_DOMAIN: 'set it to the signing domain, e.g. example.com',
  DKIM_SELECTOR: 'set it to the selector whose TXT record holds the public key, e.g. s1',
  DKIM_PRIVATE_KEY_PATH: 'set it to the path of the PEM private key for DKIM',
  TWILIO_ACCOUNT_SID: 'set it to your Twilio account SID (starts with AC)',
  TWILIO_FROM: 'set it to your Twilio sender number in E.164',
  TWILIO_MESSAGING_SERVICE_SID: 'set it to a Messaging Service SID (starts with MG)',
  WEBHOOK_URL: 'set it to the http(s) URL that receives webhook-channel messages',
  WEBHOOK_SECRET: 'set it to a random string of at least 32 characters',
  WORKER_MAX_CACHED_WORKFLOWS: 'set it to a whole number from 1 to 1000000 (workflows kept in memory)',
  WORKER_MAX_WORKFLOW_TASKS: 'set it to a whole number from 1 to 1000 (workflow tasks run at once)',
  WORKER_WORKFLOW_BUNDLE: 'set it to a file written by `omnijourney bundle`',
  WORKER_MAX_ACTIVITIES: 'set it to a whole number from 1 to 10000 (activities run at once)',
  LOG_LEVEL: 'set it to one of fatal, error, warn, info, debug, trace, silent',
  LOG_FORMAT: 'set it to pretty or json',
};

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
  };
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
  log: { level: string; format: 'pretty' | 'json' };
}

export interface Secrets {
  writeKeys: string[];
  adminToken: string;
  unsubscribeSecret: string;
  /** Unset: the Twilio webhooks answer 404 (SMS not configured). */
  twilioAuthToken?: string;
  /** Unset: no Web Push. */
  vapid?: { publicKey: string; privateKey: string; subject: string };
}

/** The folder holding package.json, whatever the current directory. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment') as keyof typeof fixes;
    const raw = env[variable];
    const shown = variable === 'DATABASE_URL' && raw ? maskUrl(raw) : raw;
    throw new UserError(
      `${variable}${shown === undefined ? '' : `=${JSON.stringify(shown)}`} ${issue?.message ?? 'is invalid'}`,
      fixes[variable],
    );
  }
  const e = parsed.data;
  const tlsWanted = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH);
  return {
    dataDir: path.resolve(e.OMNIJOURNEY_DATA_DIR ?? '.omnijourney'),
    toolsDir: path.resolve(e.OMNIJOURNEY_TOOLS_DIR ?? path.join(projectRoot, '.tools')),
    worker: {
      // Memory is the cache: about 1 MB per cached run, so 1,000 keeps a worker near 1 GB however
      // many runs wait (the rest are replayed from their short histories when they wake).
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS ?? 1_000,
      maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_WORKFLOW_TASKS,
      maxConcurrentActivityTaskExecutions: e.WORKER_MAX_ACTIVITIES,
      workflowBundle: e.WORKER_WORKFLOW_BUNDLE && path.resolve(e.WORKER_WORKFLOW_BUNDLE),
    },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE ?? 20,
      embeddedPort: e.EMBEDDED_POSTGRES_PORT ?? 0,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: e.TEMPORAL_TASK_QUEUE ?? 'omnijourney',
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
      devPort: e.TEMPORAL_DEV_PORT ?? 7233,
      uiPort: e.TEMPORAL_UI_PORT ?? 8233,
    },
    api: {
      host: e.API_HOST ?? '127.0.0.1',
      port: e.API_PORT ?? 3000,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      clientUrl: e.OMNIJOURNEY_API_URL?.replace(/\/+$/, ''),
      defaultPhoneCountry: e.DEFAULT_PHONE_COUNTRY,
    },
    secrets: {
      writeKeys: e.INGEST_WRITE_KEYS?.split(',')
        .map((key) => key.trim())
        .filter(Boolean),
      adminToken: e.ADMIN_API_TOKEN,
      unsubscribeSecret: e.UNSUBSCRIBE_SECRET,
      twilioAuthToken: e.TWILIO_AUTH_TOKEN,
      vapid:
        e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
          ? {
              publicKey: e.VAPID_PUBLIC_KEY,
              privateKey: e.VAPID_PRIVATE_KEY,
              subject: e.VAPID_SUBJECT ?? 'mailto:ops@example.com',
            }
          : undefined,
    },
    channels: {
      email: e.SMTP_URL
        ? {
            smtpUrl: e.SMTP_URL,
            from: e.EMAIL_FROM ?? 'Omnijourney <no-reply@localhost>',
            dkim: dkimFrom(e),
          }
        : undefined,
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
    log: {
      level: e.LOG_LEVEL ?? 'info',
      format: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    },
  };
}

/** DKIM needs all three variables, or none. */
function dkimFrom(e: z.infer<typeof envSchema>) {
  const set = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY_PATH].filter(Boolean).length;
  if (set === 0) return undefined;
  if (!e.DKIM_DOMAIN || !e.DKIM_SELECTOR || !e.DKIM_PRIVATE_KEY_PATH)
    throw new UserError(
      'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH must be set together',
      'set all three to sign mail, or none',
    );
  return { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKeyPath: e.DKIM_PRIVATE_KEY_PATH };
}
