import { randomUUID } from 'node:crypto';
import type { DeliveryRequest } from '../../delivery/delivery-request.js';

/**
 * What a journey's send step asks the pipeline for: a fresh run, dedup key and intent each time,
 * marketing email unless `fields` say otherwise.
 */
export function deliveryRequest(customerId: string, fields: Partial<DeliveryRequest> = {}): DeliveryRequest {
  const journeyId = fields.journeyId ?? 'abandoned-cart';
  const stepId = fields.stepId ?? 'reminder-1';
  return {
    dedupKey: `journey/t/${customerId}/${randomUUID()}/${stepId}`,
    customerId,
    journeyId,
    journeyVersion: 'v1',
    workflowId: `journey/${journeyId}/${customerId}/t`,
    runId: randomUUID(),
    stepId,
    template: 'cart-reminder',
    channels: ['email'],
    intentKey: `intent-${randomUUID()}`,
    category: 'marketing',
    tags: [],
    overCap: 'skip',
    quietHours: 'defer',
    trigger: { messageId: 'm', name: 'Product Added', properties: {}, occurredAt: new Date().toISOString() },
    ...fields,
  };
}
