import { z } from 'zod';
import { parseDuration } from './duration.js';

/** The field shapes a journey definition and its trigger share. */

export const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lower-case letters, digits and dashes' });
export const duration = z.string().refine((text) => parseDuration(text) !== undefined, {
  message: 'is not a duration (e.g. 30m, 1h, 2d; never negative)',
});
export const eventName = z.string().trim().min(1).max(256);
export const path = z.string().regex(/^(trigger|event|profile)(\.[A-Za-z0-9_-]+)+$/, {
  message: 'must be a path such as trigger.properties.cart_id',
});
