import { z } from 'zod';
import { conditionSchema } from './condition-schema.js';
import { eventName, id, path } from './journey-fields.js';
import { scheduleProblem } from './journey-schedule.js';
import { isValidTimeZone } from './local-time.js';

/**
 * The trigger forms' schema (journey-trigger.ts says what each means). Apart from the router's
 * pure matching, which workflows import: zod, cron-parser and luxon stay out of the workflow bundle.
 */

export const eventTrigger = z.strictObject({
  event: eventName,
  where: conditionSchema.optional(),
  /** What makes two runs different, e.g. trigger.properties.cart_id; unset: one run per customer. */
  entryKey: path.optional(),
});
export const segmentTrigger = z.strictObject({ segment: id, on: z.enum(['enter', 'leave']) });
export const scheduleTrigger = z.strictObject({
  segment: id,
  /** A cron expression "m h dom mon dow", or one ISO date-time (local to `timeZone` unless it has an offset). */
  schedule: z.string().superRefine((text, context) => {
    const problem = scheduleProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }),
  /** `customer`: each member's own zone (customers.time_zone, else UTC); or one IANA zone for all. */
  timeZone: z
    .string()
    .default('customer')
    .refine((zone) => zone === 'customer' || isValidTimeZone(zone), {
      message: 'must be "customer" or an IANA time zone such as Europe/Paris',
    }),
});

export const triggerSchema = z.union([eventTrigger, segmentTrigger, scheduleTrigger], {
  error:
    'must be one of { event, where?, entryKey? }, { segment, on: enter | leave } or { segment, schedule, timeZone? }',
});

export type JourneyTrigger = z.output<typeof triggerSchema>;
export type EventTrigger = z.output<typeof eventTrigger>;
export type ScheduleTrigger = z.output<typeof scheduleTrigger>;
