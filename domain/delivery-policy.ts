import { z } from 'zod';
import { channels, messageCategories, type Channel } from './channels.js';
import { formatDuration, parseDuration } from './duration.js';
import { defaultCaps, type CapRule } from './frequency-caps.js';
import { defaultQuietHours, type QuietHours } from './quiet-hours.js';

/**
 * The delivery policy a marketer deploys as a file (`omnijourney policy deploy`, PUT /admin/policy):
 * frequency caps and quiet hours. A section left out keeps today's defaults.
 */
const duration = (example: string) =>
  z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
    message: `expected a duration such as ${example}`,
  });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time HH:MM, e.g. 21:00' });
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, {
  message: 'expected lowercase letters, digits and dashes, e.g. marketing-per-day',
});

const capSchema = z.strictObject({
  id: ruleId,
  max: z.number().int().min(0).max(1000),
  window: duration('1d or 7d'),
  channel: z.enum(channels).optional(),
  journey: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
  /** Unset: marketing messages (transactional ones are exempt unless a cap names them). */
  category: z.enum(messageCategories).optional(),
});

const windowSchema = z.strictObject({ start: clock, end: clock });

const quietHoursSchema = z.strictObject({
  id: ruleId.optional(),
  start: clock,
  end: clock,
  jitter: duration('30m').optional(),
  /** Per channel: its own window (start = end: none for that channel). */
  channels: z.partialRecord(z.enum(channels), windowSchema).optional(),
});

export const deliveryPolicySchema = z
  .strictObject({
    caps: z.array(capSchema).max(100).optional(),
    quietHours: quietHoursSchema.optional(),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    for (const [index, cap] of (policy.caps ?? []).entries()) {
      if (seen.has(cap.id))
        ctx.addIssue({
          code: 'custom',
          path: ['caps', index, 'id'],
          message: `duplicate cap id "${cap.id}"`,
        });
      seen.add(cap.id);
    }
  });

export type DeliveryPolicy = z.infer<typeof deliveryPolicySchema>;

/** The known keys at each level, for "did you mean" on a misspelt one. */
export const policyKeys = {
  top: Object.keys(deliveryPolicySchema.shape),
  cap: Object.keys(capSchema.shape),
  quietHours: Object.keys(quietHoursSchema.shape),
  window: Object.keys(windowSchema.shape),
  channel: [...channels],
};

/** The rules the send decision applies: caps and quiet hours, each section's defaults where left out. */
export interface PolicyRules {
  caps: readonly CapRule[];
  quietHours: QuietHours;
}

export function policyRules(policy: DeliveryPolicy, defaults: PolicyRules): PolicyRules {
  const quiet = policy.quietHours;
  return {
    caps:
      policy.caps?.map((cap) => ({
        id: cap.id,
        max: cap.max,
        windowMs: parseDuration(cap.window) ?? 0,
        ...(cap.channel ? { channel: cap.channel } : {}),
        ...(cap.journey ? { journeyId: cap.journey } : {}),
        ...(cap.tag ? { tag: cap.tag } : {}),
        ...(cap.category ? { category: cap.category } : {}),
      })) ?? defaults.caps,
    quietHours: quiet
      ? {
          ...(quiet.id ? { id: quiet.id } : {}),
          start: quiet.start,
          end: quiet.end,
          jitterMinutes: quiet.jitter ? Math.round((parseDuration(quiet.jitter) ?? 0) / 60_000) : 0,
          ...(quiet.channels
            ? { channels: quiet.channels as Partial<Record<Channel, { start: string; end: string }>> }
            : {}),
        }
      : defaults.quietHours,
  };
}

/** The policy in force when none is deployed: today's constants, written as a policy file would. */
export const defaultPolicyRules: PolicyRules = { caps: defaultCaps, quietHours: defaultQuietHours };

/** Rules written back as a policy document (`policy show` of the defaults: a file to start from). */
export function policyDocumentOf(rules: PolicyRules): DeliveryPolicy {
  const { quietHours: quiet } = rules;
  return {
    caps: rules.caps.map((cap) => ({
      id: cap.id,
      max: cap.max,
      window: formatDuration(cap.windowMs),
      ...(cap.channel ? { channel: cap.channel } : {}),
      ...(cap.journeyId ? { journey: cap.journeyId } : {}),
      ...(cap.tag ? { tag: cap.tag } : {}),
      ...(cap.category ? { category: cap.category } : {}),
    })),
    quietHours: {
      ...(quiet.id ? { id: quiet.id } : {}),
      start: quiet.start,
      end: quiet.end,
      ...(quiet.jitterMinutes > 0 ? { jitter: formatDuration(quiet.jitterMinutes * 60_000) } : {}),
      ...(quiet.channels ? { channels: quiet.channels } : {}),
    },
  };
}
