import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { previewSegment } from '../../audiences/segment-preview.js';
import { deployedReferences } from '../../audiences/segment-store.js';
import { listSegments, showSegment } from '../../audiences/segment-summaries.js';
import { validateSegment } from '../../domain/segment-definition.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';

const summary = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string().meta({ description: 'Content hash of the current definition.' }),
  deployedAt: z.string(),
  members: z.number().meta({ description: 'Customers in it now.' }),
});
const customerSample = z.array(z.string()).meta({ description: 'Up to 10 customer ids.' });
const changeReply = z
  .object({
    entering: z.number(),
    leaving: z.number(),
    enteringSample: customerSample,
    leavingSample: customerSample,
  })
  .nullable()
  .meta({ description: 'For a change of a deployed segment: who would enter and who would leave.' });

const docs = {
  list: {
    ...operation('admin', 'The deployed segments with their member counts', access.admin),
    response: {
      200: { description: 'The segments.', ...json(z.array(summary)) },
      ...errorResponses(401, 503),
    },
  },
  show: {
    ...operation('admin', 'One deployed segment: definition, versions, members and a sample', access.admin),
    params: z.object({ id: z.string() }),
    response: {
      200: {
        description: 'The segment.',
        ...json(
          summary.extend({
            description: z.string().nullable(),
            definition: z.record(z.string(), z.unknown()),
            versions: z.array(z.object({ version: z.string(), deployedAt: z.string() })),
            sample: customerSample,
          }),
        ),
      },
      ...errorResponses(401, 404, 503),
    },
  },
  preview: {
    ...operation('admin', 'Who a segment definition selects now, without deploying or writing', access.admin),
    body: z
      .record(z.string(), z.unknown())
      .meta({ description: 'A segment file’s content as JSON (id, name, match, conditions).' }),
    response: {
      200: {
        description: 'Size, a sample, and for a change who would enter and leave.',
        ...json(
          z.object({
            segmentId: z.string(),
            version: z.string(),
            deployedVersion: z.string().nullable(),
            evaluated: z.number(),
            truncated: z.boolean().meta({ description: 'More candidates than the bound were left out.' }),
            size: z.number(),
            sample: customerSample,
            change: changeReply,
          }),
        ),
      },
      ...errorResponses(400, 401, 503),
    },
  },
};

/** GET /admin/segments, GET /admin/segments/{id}, POST /admin/segments/preview (as `omnijourney segments`). */
export function segmentRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get('/admin/segments', { schema: docs.list }, () => listSegments(deps.db));

  admin.get<{ Params: { id: string } }>('/admin/segments/:id', { schema: docs.show }, async (request) => {
    const shown = await showSegment(deps.db, request.params.id);
    if ('unknown' in shown) throw new HttpError(404, shown.unknown);
    return shown;
  });

  admin.post('/admin/segments/preview', { schema: docs.preview }, async (request) => {
    const checked = validateSegment(request.body ?? {}, await deployedReferences(deps.db));
    if (!checked.ok)
      throw new HttpError(
        400,
        checked.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        checked.problems,
      );
    return previewSegment(deps.db, checked.definition);
  });
}
