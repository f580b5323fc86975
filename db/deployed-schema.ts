import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { DeliveryPolicy } from '../domain/delivery-policy.js';
import type { JourneyDefinition } from '../domain/journey-definition.js';
import type { TemplateContent } from '../domain/template-content.js';

/**
 * What marketers deploy, each version kept by its content hash: journeys, templates and the
 * delivery policy, and the operator state of each journey. Part of db/schema.ts (re-exported).
 */

/** Each deployed version of a journey definition; runs carry the snapshot they started with. */
export const journeyVersions = pgTable(
  'journey_versions',
  {
    journeyId: text('journey_id').notNull(),
    /** Content hash of the definition. */
    version: text('version').notNull(),
    definition: jsonb('definition').$type<JourneyDefinition>().notNull(),
    deployedAt: timestamp('deployed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.journeyId, t.version] }),
    index('journey_versions_latest_idx').on(t.journeyId, t.deployedAt),
  ],
);

/**
 * Each deployed version of a message template (the files of one template folder, parsed); a
 * worker that meets a version it has not loaded reads it from here.
 */
export const templateVersions = pgTable(
  'template_versions',
  {
    templateId: text('template_id').notNull(),
    /** Content hash of the template's files. */
    version: text('version').notNull(),
    content: jsonb('content').$type<TemplateContent>().notNull(),
    deployedAt: timestamp('deployed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.templateId, t.version] }),
    index('template_versions_latest_idx').on(t.templateId, t.deployedAt),
  ],
);

/** Each deployed version of a delivery policy (frequency caps, quiet hours); the latest applies. */
export const policyVersions = pgTable(
  'policy_versions',
  {
    policyId: text('policy_id').notNull(),
    /** Content hash of the policy document. */
    version: text('version').notNull(),
    document: jsonb('document').$type<DeliveryPolicy>().notNull(),
    deployedAt: timestamp('deployed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.policyId, t.version] }),
    index('policy_versions_latest_idx').on(t.policyId, t.deployedAt),
  ],
);

/** Operator states besides "active" (no row): paused (no entries, sends held) or undeployed. */
export const journeyStateKinds = ['active', 'paused', 'undeployed'] as const;

/**
 * What an operator made of a journey (admin API): no row means active. Paused starts no run and
 * holds the sends of running runs; undeployed starts no run and leaves the list of deployed
 * journeys, its versions and history staying. Deploying again makes it active.
 */
export const journeyStates = pgTable('journey_states', {
  journeyId: text('journey_id').primaryKey(),
  state: text('state', { enum: journeyStateKinds }).notNull(),
  /** Triggering events that found the journey paused or undeployed since this state began. */
  droppedEntries: integer('dropped_entries').notNull().default(0),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
});
