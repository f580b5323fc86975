import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** The fastify path, e.g. `/admin/customers/:identity`. */
  url: string;
}

/**
 * Every route the server registered, read from fastify's own route tree (`printRoutes`), so it
 * does not depend on any hook of ours: a line's depth is where its `── ` marker stands, its
 * path is its parent's plus its own segment, and the methods are in parentheses.
 */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const prefixes: string[] = [];
  const routes: RegisteredRoute[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const marker = line.indexOf('── ');
    if (marker < 0) continue;
    const depth = Math.round(marker / 4);
    const [, segment = '', methods] = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(marker + 3)) ?? [];
    const url = (prefixes[depth - 1] ?? '') + segment;
    prefixes[depth] = url;
    prefixes.length = depth + 1;
    for (const method of methods?.split(', ') ?? []) routes.push({ method, url });
  }
  return routes;
}
