import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels, messageCategories } from '../domain/channels.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';

/**
 * Audiences: deployed segments and who is in them, broadcasts to a segment, and the provider rate
 * governor's shared buckets. Part of db/schema.ts (re-exported).
 */

/** Each deployed version of a segment definition, by content hash; the latest applies. */
export const segmentVersions = pgTable(
  'segment_versions',
  {
    segmentId: text('segment_id').notNull(),
    /** Content hash of the definition. */
    version: text('version').notNull(),
    definition: jsonb('definition').$type<SegmentDefinition>().notNull(),
    deployedAt: timestamp('deployed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.segmentId, t.version] }),
    index('segment_versions_latest_idx').on(t.segmentId, t.deployedAt),
  ],
);

/**
 * One customer's standing in one segment, evaluated as each of their events is stored and, for
 * conditions that flip with time alone, again at `nextCheckAt` (the earliest instant the answer can
 * change without a new event). A row exists once the customer was evaluated, member or not.
 */
export const segmentMemberships = pgTable(
  'segment_memberships',
  {
    segmentId: text('segment_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    member: boolean('member').notNull(),
    /** The segment version the answer came from. */
    segmentVersion: text('segment_version').notNull(),
    /** When the current membership began (the instant the conditions became true), or null. */
    enteredAt: timestamp('entered_at', { withTimezone: true }),
    /** When the customer last left (the instant the conditions became false), or null. */
    leftAt: timestamp('left_at', { withTimezone: true }),
    /** Entries so far: an entry's ordinal, so a journey entered on it runs once per entry. */
    entries: integer('entries').notNull().default(0),
    /** Re-evaluate at this instant (a window edge passes); null: only an event can change it. */
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.segmentId, t.customerId] }),
    index('segment_memberships_members_idx')
      .on(t.segmentId, t.customerId)
      .where(sql`${t.member}`),
    index('segment_memberships_next_check_idx')
      .on(t.nextCheckAt)
      .where(sql`${t.nextCheckAt} is not null`),
    index('segment_memberships_customer_idx').on(t.customerId),
  ],
);

export const broadcastStatuses = ['scheduled', 'running', 'paused', 'cancelled', 'completed'] as const;

/**
 * A one-off or scheduled send of one template to a segment's members, run by one workflow paging
 * through the audience in customer-id order; `cursor` is the last customer id handed to a batch.
 * Exactly-once per customer comes from the ledger's dedup key, not from these counters.
 */
export const broadcasts = pgTable(
  'broadcasts',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    segmentId: text('segment_id').notNull(),
    template: text('template').notNull(),
    channels: text('channels', { enum: channels }).array().notNull(),
    category: text('category', { enum: messageCategories }).notNull(),
    intentKey: text('intent_key').notNull(),
    status: text('status', { enum: broadcastStatuses }).notNull(),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Members when the broadcast began paging (its audience is fixed then). */
    audienceTotal: integer('audience_total'),
    cursor: uuid('cursor'),
    processed: integer('processed').notNull().default(0),
    workflowId: text('workflow_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [index('broadcasts_status_idx').on(t.status, t.createdAt)],
);

/**
 * The provider rate governor's token bucket per channel and provider account, shared by every
 * worker: a send takes tokens under the row's lock; a 429 sets `blockedUntil` for everyone.
 */
export const providerRates = pgTable(
  'provider_rates',
  {
    channel: text('channel', { enum: channels }).notNull(),
    account: text('account').notNull(),
    ratePerSecond: doublePrecision('rate_per_second').notNull(),
    burst: doublePrecision('burst').notNull(),
    tokens: doublePrecision('tokens').notNull(),
    refilledAt: timestamp('refilled_at', { withTimezone: true }).notNull().defaultNow(),
    blockedUntil: timestamp('blocked_until', { withTimezone: true }),
    /** Triggered (journey) sends waiting for tokens: broadcasts leave them the bucket first. */
    priorityWaiting: integer('priority_waiting').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.channel, t.account] })],
);
