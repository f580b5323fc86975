import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels, messageCategories } from '../domain/channels.js';
import type { Cart, LastOrder } from '../domain/commerce.js';
import { identityKindsByStrength } from '../domain/identity-keys.js';
import { runOutcomes } from '../domain/journey-runtime.js';
import { segmentMessageTypes } from '../domain/segment-message.js';

export * from './deployed-schema.js';
export * from './audience-schema.js';

/**
 * The engine's state. Temporal holds each run's progress; Postgres holds everything that must be
 * shared across runs and read by people: profiles, identities, events, consent, the delivery
 * ledger that caps and dedup are computed from, and journey versions and run outcomes.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
/** Stamped by drizzle on every update, so no update has to remember it. */
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

const consentStatuses = ['subscribed', 'unsubscribed', 'never_asked'] as const;
/** reserved → sending → sent → delivered; or failed; skipped and deferred never reach a provider. */
export const deliveryStatuses = [
  'reserved',
  'sending',
  'sent',
  'delivered',
  'failed',
  'skipped',
  'deferred',
] as const;
export const runStatuses = ['running', ...runOutcomes] as const;

/** One person. A merged customer points at the one it was folded into and holds nothing itself. */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mergedIntoId: uuid('merged_into_id'),
    /** Trait values by key. */
    traits: jsonb('traits').$type<Record<string, unknown>>().notNull().default({}),
    /** When each trait was last set (ISO time by key), so an older event never overwrites a newer value. */
    traitTimes: jsonb('trait_times').$type<Record<string, string>>().notNull().default({}),
    timeZone: text('time_zone'),
    locale: text('locale'),
    /** Derived from e-commerce events (domain/commerce.ts). */
    cart: jsonb('cart').$type<Cart>(),
    orderCount: integer('order_count').notNull().default(0),
    lifetimeValue: numeric('lifetime_value', { precision: 14, scale: 2, mode: 'number' })
      .notNull()
      .default(0),
    lastOrder: jsonb('last_order').$type<LastOrder>(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('customers_merged_into_idx').on(t.mergedIntoId)],
);

/** Any key that points at a customer. A (kind, value) pair belongs to exactly one customer. */
export const identities = pgTable(
  'identities',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    kind: text('kind', { enum: identityKindsByStrength }).notNull(),
    value: text('value').notNull(),
    /** Set when a provider said this address cannot be reached (bounce, invalid number). */
    unreachableAt: timestamp('unreachable_at', { withTimezone: true }),
    unreachableReason: text('unreachable_reason'),
    /**
     * When a trusted sender (a server write key, a signed user token) asserted it. Unset: claimed by a
     * client key only: recorded, never a delivery address, never a reason to merge.
     */
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    /** The customer it belonged to before a merge brought it here; unset: the customer's own. */
    mergedFromId: uuid('merged_from_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('identities_kind_value_uq').on(t.kind, t.value),
    index('identities_customer_idx').on(t.customerId),
  ],
);

/** Every event received, once per messageId. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: text('message_id').notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    type: text('type', { enum: segmentMessageTypes }).notNull(),
    name: text('name'),
    userId: text('user_id'),
    anonymousId: text('anonymous_id'),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    /** When it happened, corrected for client clock skew. */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set once the router has taken the event; a stored but unrouted event is routed on the client's retry. */
    routedAt: timestamp('routed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('events_message_id_uq').on(t.messageId),
    index('events_customer_time_idx').on(t.customerId, t.occurredAt),
    index('events_name_time_idx').on(t.name, t.occurredAt),
  ],
);

/** Consent per customer and channel; absence means never asked. */
export const consents = pgTable(
  'consents',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    channel: text('channel', { enum: channels }).notNull(),
    status: text('status', { enum: consentStatuses }).notNull(),
    /** Where the change came from: identify trait, unsubscribe link, SMS keyword, admin API… */
    source: text('source').notNull(),
    /**
     * When the consent was given or withdrawn (the event's time, which upserts compare), not when the
     * row was written: always set explicitly, never stamped.
     */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.channel] })],
);

export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint_uq').on(t.endpoint),
    index('push_subscriptions_customer_idx').on(t.customerId),
  ],
);

/**
 * The ledger: one row per message a step wanted to send, whatever became of it. `dedupKey`
 * (run + step) makes a step's message go out at most once; caps and intent dedup count rows here.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupKey: text('dedup_key').notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    journeyId: text('journey_id'),
    journeyVersion: text('journey_version'),
    workflowId: text('workflow_id'),
    /** The journey run (Temporal run id) that asked; the stats join on it. */
    runId: text('run_id'),
    stepId: text('step_id'),
    channel: text('channel', { enum: channels }),
    intentKey: text('intent_key'),
    category: text('category', { enum: messageCategories }).notNull(),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: text('status', { enum: deliveryStatuses }).notNull(),
    /** Why it was skipped, deferred or failed, in words a marketer can read. */
    reason: text('reason'),
    providerMessageId: text('provider_message_id'),
    /** A deferred row's release time: a retried step reads it back and still sends then. */
    deferredUntil: timestamp('deferred_until', { withTimezone: true }),
    /** The delivery policy rule (its id, e.g. a cap's) that skipped or deferred it. */
    rule: text('rule'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('deliveries_dedup_key_uq').on(t.dedupKey),
    index('deliveries_customer_time_idx').on(t.customerId, t.createdAt),
    index('deliveries_customer_intent_idx').on(t.customerId, t.intentKey, t.createdAt),
    index('deliveries_provider_message_idx').on(t.providerMessageId),
    index('deliveries_run_idx').on(t.runId),
    // A broadcast's rows by status (its report, its deferred sends); deferred rows by their time.
    index('deliveries_workflow_status_idx').on(t.workflowId, t.status, t.deferredUntil),
  ],
);

/** One customer's pass through one journey, keyed by Temporal's run id; outcomes feed the stats. */
export const journeyRuns = pgTable(
  'journey_runs',
  {
    runId: text('run_id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    journeyId: text('journey_id').notNull(),
    journeyVersion: text('journey_version').notNull(),
    customerId: uuid('customer_id').references(() => customers.id),
    entryKey: text('entry_key').notNull(),
    /** The event that started the run; the stats evaluate goal conditions against it. */
    triggerMessageId: text('trigger_message_id'),
    status: text('status', { enum: runStatuses }).notNull(),
    reason: text('reason'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** When the goal or exit event that ended the run happened: a trigger older than it is late, not new. */
    endedByEventAt: timestamp('ended_by_event_at', { withTimezone: true }),
    /** Outcome `merged`: the run of the same journey and entry key that went on for the merged customer. */
    mergedIntoRunId: text('merged_into_run_id'),
  },
  (t) => [
    index('journey_runs_journey_idx').on(t.journeyId, t.startedAt),
    index('journey_runs_customer_idx').on(t.customerId, t.startedAt),
    index('journey_runs_workflow_idx').on(t.workflowId),
  ],
);

export type RunStatus = (typeof runStatuses)[number];

/**
 * Twilio inbound messages already acted on, by MessageSid: a replayed webhook (a captured START
 * sent again after a STOP) changes nothing. Rows older than the retention are pruned.
 */
export const twilioInboundMessages = pgTable(
  'twilio_inbound_messages',
  {
    messageSid: text('message_sid').primaryKey(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('twilio_inbound_messages_received_idx').on(t.receivedAt)],
);
