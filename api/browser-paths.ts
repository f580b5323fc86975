/**
 * The paths a web page calls. analytics.js (`@segment/analytics-next`) posts each call to
 * `${apiHost}/${first letter of its type}` and batches to `${apiHost}/b`, with the write key as
 * HTTP Basic and again as `writeKey` in a text/plain JSON body. Its default apiHost is
 * `api.segment.io/v1`, so a shop points it at `our-host/v1` (what our settings document says) or
 * at `our-host`: both roots are served.
 */
export const shortLetters = {
  identify: 'i',
  track: 't',
  page: 'p',
  screen: 's',
  group: 'g',
  alias: 'a',
  batch: 'b',
} as const satisfies Record<string, string>;

export type ShortCall = keyof typeof shortLetters;

/** `/t` and `/v1/t` for track, and so on. */
export function shortPathsOf(call: ShortCall): string[] {
  const letter = shortLetters[call];
  return [`/${letter}`, `/v1/${letter}`];
}

/** Paths only browsers use: a server key there was shipped in a page. */
export const browserOnlyPaths: ReadonlySet<string> = new Set(
  (Object.keys(shortLetters) as ShortCall[]).flatMap(shortPathsOf),
);

/** Where analytics.js reads its settings (`cdnURL` pointed at us). */
export const settingsRoute = '/v1/projects/:writeKey/settings';
const settingsPath = /^\/v1\/projects\/[^/]+\/settings$/;

/**
 * What a page of an allowed origin may call across origins: ingest and push-subscription
 * registration. Not /v1/import (server keys only), webhooks, unsubscribe or admin.
 */
const corsPaths: ReadonlySet<string> = new Set([
  ...browserOnlyPaths,
  ...['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch'].map((call) => `/v1/${call}`),
  '/v1/push/subscriptions',
  '/v1/push/vapid-public-key',
]);

/** True for a request path (query string ignored) that answers CORS for the allowed origins. */
export function isCorsPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return corsPaths.has(path) || settingsPath.test(path);
}

/** Each call's /v1 path and its short paths, as [call, path] pairs to register one handler on. */
export function withShortPaths<Call extends Exclude<ShortCall, 'batch'>>(
  calls: readonly Call[],
): [Call, string][] {
  return calls.flatMap((call) =>
    [`/v1/${call}`, ...shortPathsOf(call)].map((url): [Call, string] => [call, url]),
  );
}
