import { z } from 'zod';

/**
 * What the OpenAPI document (api-docs.ts) says of replies and credentials, shared by the route
 * files. Request schemas are the ones the routes validate with; these zod schemas describe what
 * the routes answer, and the tests parse real replies with them.
 */

/** Every refusal and failure: `issues` names each field and what is wrong with it. */
export const errorReply = z
  .object({
    success: z.literal(false),
    error: z.string().meta({ description: 'What is wrong, in plain words, naming the field or limit.' }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Each invalid field: its path (`batch[2].event`) and why.' }),
  })
  .meta({ description: 'A refusal or failure; nothing was changed.' });

/** A change made: nothing else to say. */
export const okReply = z.object({ success: z.literal(true) });

const errorMeanings = {
  400: 'The input is invalid: `error` and `issues` name the field and why. Nothing was written.',
  401: 'The credential is missing, unknown or invalid.',
  403: 'The credential may not do this (for instance a client key sending an alias or an import).',
  404: 'Not found, or the feature is not configured.',
  409: 'A stronger decision stands.',
  413: 'The body or an event is over the limit (32 KB per event, 500 KB per batch).',
  415: 'The content encoding is not supported (use gzip, deflate or none).',
  503: 'A dependency (the database) is unavailable; retry after `Retry-After` seconds.',
} as const;

/** The error replies a route can give, each with the shared meaning. */
export function errorResponses(...codes: (keyof typeof errorMeanings)[]) {
  return Object.fromEntries(
    codes.map((code) => [code, { description: errorMeanings[code], ...json(errorReply) }]),
  );
}

/** A response or body of one media type, in the form @fastify/swagger and fastify both read. */
export function json(schema: z.ZodType) {
  return { content: { 'application/json': { schema } } };
}

export function ofType(mediaType: string, description: string) {
  return { description, content: { [mediaType]: { schema: z.string() } } };
}

/** The sections of the reference, in the order the page shows them. */
export const apiTags = [
  { name: 'ingest', description: 'Segment-compatible Tracking API: send events with a write key.' },
  { name: 'push', description: 'Web Push: the VAPID key and browser subscriptions.' },
  {
    name: 'admin',
    description:
      'Operators: journeys (deploy, pause, resume, undeploy, diagram, stats), runs, deliveries, templates, customers.',
  },
  { name: 'providers', description: 'Webhooks that messaging providers (Twilio) call.' },
  { name: 'compliance', description: 'One-click unsubscribe (RFC 8058) from links in messages.' },
  { name: 'ops', description: 'Health, metrics and this description.' },
] as const;

export type ApiTag = (typeof apiTags)[number]['name'];

const writeKeyHow =
  'as the HTTP Basic user name with an empty password (what Segment libraries send), an `X-Write-Key` header, or `"writeKey"` in the body';

export const securitySchemes = {
  writeKey: {
    type: 'http',
    scheme: 'basic',
    description: `A server write key (INGEST_WRITE_KEYS), full trust, ${writeKeyHow}.`,
  },
  clientKey: {
    type: 'http',
    scheme: 'basic',
    description: `A client (public) key (INGEST_CLIENT_KEYS) for web pages and apps, sent like a write key. It may not alias, import, set consent or claim others' identities; those parts are ignored and listed in \`ignored\`.`,
  },
  writeKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Write-Key',
    description: 'A server or client write key in a header instead of HTTP Basic.',
  },
  userToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-User-Token',
    description:
      'With a client key: an HS256 JWT signed with USER_TOKEN_SECRET, `sub` the userId, `exp` required. Lets the client act for that user. Also accepted as `"userToken"` in the body.',
  },
  adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN.' },
  twilioSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: 'Twilio signs the public URL (PUBLIC_BASE_URL) and form parameters with TWILIO_AUTH_TOKEN.',
  },
  unsubscribeToken: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'The signed token in the unsubscribe link of a message.',
  },
} as const;

type Requirement = Partial<Record<keyof typeof securitySchemes, []>>;

/** Who may call a route: any one of the listed alternatives. */
export const access = {
  anyWriteKey: [
    { writeKey: [] },
    { writeKeyHeader: [] },
    { clientKey: [] },
    { clientKey: [], userToken: [] },
  ],
  serverWriteKey: [{ writeKey: [] }, { writeKeyHeader: [] }],
  admin: [{ adminToken: [] }],
  twilio: [{ twilioSignature: [] }],
  unsubscribeLink: [{ unsubscribeToken: [] }],
  public: [],
} as const satisfies Record<string, Requirement[]>;

/** The route-level fields of the document: one section, one line, who may call. */
export function operation(tag: ApiTag, summary: string, security: readonly Requirement[]) {
  return { tags: [tag], summary, security: [...security] };
}
