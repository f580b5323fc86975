import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  // OMNIJOURNEY_MIGRATIONS_OUT lets the drift test generate into a scratch copy.
  out: process.env.OMNIJOURNEY_MIGRATIONS_OUT ?? './db/migrations',
});
