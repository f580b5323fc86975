import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { packageInfo } from '../infra/project-root.js';
import { apiTags, json, operation, access, securitySchemes } from './openapi-schemas.js';

const { name, version, description } = packageInfo();

export const docsPaths = { page: '/docs', document: '/openapi.json' } as const;

const serviceReply = z.object({
  service: z.string(),
  version: z.string(),
  description: z.string(),
  links: z.object({ docs: z.string(), openapi: z.string(), health: z.string(), metrics: z.string() }),
});

/**
 * The OpenAPI 3.1 document, built from the zod schemas each route attaches (`schema.body`,
 * `querystring`, `params`, `headers`, `response`). Call before any route is registered:
 * @fastify/swagger collects routes as they are added.
 *
 * The attached schemas document; they do not validate. Each route parses its input itself with
 * the same zod schema (and plain-language errors, per-item batch refusals, defaults merged into
 * batch calls), so a compiled validator would only check twice and answer in another format.
 * Replies are written as they always were (JSON.stringify), whatever schema a status code has.
 */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Omnijourney API',
        version,
        description: `${description}. Errors are \`{ "success": false, "error", "issues"? }\` in plain words.`,
      },
      tags: [...apiTags],
      components: { securitySchemes },
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
  });
  await app.register(fastifySwaggerUi, { routePrefix: docsPaths.page });

  app.get(docsPaths.document, { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/',
    {
      schema: {
        ...operation('ops', 'What this server is, and where its reference is', access.public),
        response: { 200: { description: 'The service, its version and links.', ...json(serviceReply) } },
      },
    },
    async () =>
      ({
        service: name,
        version,
        description,
        links: { docs: docsPaths.page, openapi: docsPaths.document, health: '/health', metrics: '/metrics' },
      }) satisfies z.infer<typeof serviceReply>,
  );
}
