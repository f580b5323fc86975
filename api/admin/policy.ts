import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deployPolicy, policyInForce } from '../../delivery/policy-store.js';
import { checkPolicy } from '../../domain/delivery-policy-file.js';
import { deliveryPolicySchema } from '../../domain/delivery-policy.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';

const policyReply = z.object({
  deployed: z.boolean().meta({ description: 'False while none is deployed: the defaults are in force.' }),
  version: z.string().nullable().meta({ description: 'Content hash of the policy document.' }),
  deployedAt: z.string().nullable(),
  policy: z
    .record(z.string(), z.unknown())
    .meta({ description: 'Caps and quiet hours, as in a policy file.' }),
});

const docs = {
  get: {
    ...operation('admin', 'The delivery policy in force: frequency caps and quiet hours', access.admin),
    response: { 200: { description: 'The policy.', ...json(policyReply) }, ...errorResponses(401, 503) },
  },
  put: {
    ...operation('admin', 'Deploy a delivery policy; the next send of every worker follows it', access.admin),
    body: deliveryPolicySchema.meta({ description: 'A policy file’s content as JSON.' }),
    response: {
      200: {
        description: 'Deployed (or unchanged: the version in force already).',
        ...json(z.object({ version: z.string(), changed: z.boolean() })),
      },
      ...errorResponses(400, 401, 503),
    },
  },
};

/** GET /admin/policy shows the policy in force; PUT /admin/policy deploys one (as `omnijourney policy`). */
export function policyRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get('/admin/policy', { schema: docs.get }, () => policyInForce(deps.db));

  admin.put('/admin/policy', { schema: docs.put }, async (request) => {
    const checked = checkPolicy(request.body ?? {});
    if (!checked.ok)
      throw new HttpError(
        400,
        checked.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        checked.problems.map(({ path, message }) => ({ path, message })),
      );
    return deployPolicy(deps.db, checked.policy);
  });
}
