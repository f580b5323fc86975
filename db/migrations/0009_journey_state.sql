CREATE TABLE "journey_states" (
	"journey_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"dropped_entries" integer DEFAULT 0 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
