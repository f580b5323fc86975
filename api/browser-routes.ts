import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, json, operation } from './openapi-schemas.js';
import { browserOnlyPaths, isCorsPath, settingsRoute } from './browser-paths.js';
import { HttpError } from './http-errors.js';
import { presentedKeyKind, type WriteKeyCheck } from './write-keys.js';

const serverKeyInPage = () =>
  new HttpError(
    403,
    'a server write key was sent from a web page: pages must use a client key (INGEST_CLIENT_KEYS); replace this server key, it is exposed',
  );

const settingsSchema = {
  ...operation('ingest', 'Settings for analytics.js in a web page (its `cdnURL` pointed here)', []),
  params: z.object({ writeKey: z.string().describe('A client key (CLIENT_WRITE_KEYS)') }),
  response: {
    200: {
      description: 'Deliver to this server only; no other destination, no metrics.',
      ...json(z.object({ integrations: z.record(z.string(), z.unknown()) }).loose()),
    },
    ...errorResponses(403, 404),
  },
};

/**
 * What a web page needs beyond the /v1 routes: the settings document analytics.js loads from its
 * `cdnURL`, and the refusal of server keys in browsers. A request is a browser's when it comes on a
 * path only analytics.js uses (`/t`, `/v1/b`, …) or carries an Origin header (browsers always send
 * one across origins; servers' HTTP clients do not).
 */
export function registerBrowserRoutes(
  app: FastifyInstance,
  deps: { isWriteKey: WriteKeyCheck; publicBaseUrl: () => string },
) {
  app.addHook('preHandler', async (request) => {
    const path = request.routeOptions.url ?? '';
    const fromPage = browserOnlyPaths.has(path) || (request.headers.origin !== undefined && isCorsPath(path));
    if (fromPage && presentedKeyKind(request, deps.isWriteKey) === 'server') throw serverKeyInPage();
  });

  // A minimal settings document: deliver to this server, no other destination, no metrics.
  app.get(settingsRoute, { schema: settingsSchema }, async (request) => {
    const { writeKey } = request.params as { writeKey: string };
    const kind = deps.isWriteKey(writeKey);
    if (kind === undefined) throw new HttpError(404, 'unknown write key');
    if (kind === 'server') throw serverKeyInPage();
    const base = new URL(deps.publicBaseUrl());
    const apiHost = `${base.host}${base.pathname.replace(/\/+$/, '')}/v1`;
    return {
      integrations: { 'Segment.io': { apiKey: writeKey, apiHost, protocol: base.protocol.slice(0, -1) } },
      plan: { track: { __default: { enabled: true } } },
      metrics: { sampleRate: 0 },
      enabledMiddleware: {},
      remotePlugins: [],
    };
  });
}
