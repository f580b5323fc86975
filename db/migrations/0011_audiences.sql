CREATE TABLE "broadcasts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"segment_id" text NOT NULL,
	"template" text NOT NULL,
	"channels" text[] NOT NULL,
	"category" text NOT NULL,
	"intent_key" text NOT NULL,
	"status" text NOT NULL,
	"scheduled_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"audience_total" integer,
	"cursor" uuid,
	"processed" integer DEFAULT 0 NOT NULL,
	"workflow_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_rates" (
	"channel" text NOT NULL,
	"account" text NOT NULL,
	"rate_per_second" double precision NOT NULL,
	"burst" double precision NOT NULL,
	"tokens" double precision NOT NULL,
	"refilled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone,
	"priority_waiting" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_rates_channel_account_pk" PRIMARY KEY("channel","account")
);
--> statement-breakpoint
CREATE TABLE "segment_memberships" (
	"segment_id" text NOT NULL,
	"customer_id" uuid NOT NULL,
	"member" boolean NOT NULL,
	"segment_version" text NOT NULL,
	"entered_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	"entries" integer DEFAULT 0 NOT NULL,
	"next_check_at" timestamp with time zone,
	"evaluated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segment_memberships_segment_id_customer_id_pk" PRIMARY KEY("segment_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "segment_versions" (
	"segment_id" text NOT NULL,
	"version" text NOT NULL,
	"definition" jsonb NOT NULL,
	"deployed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segment_versions_segment_id_version_pk" PRIMARY KEY("segment_id","version")
);
--> statement-breakpoint
CREATE INDEX "broadcasts_status_idx" ON "broadcasts" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "segment_memberships_members_idx" ON "segment_memberships" USING btree ("segment_id","customer_id") WHERE "segment_memberships"."member";--> statement-breakpoint
CREATE INDEX "segment_memberships_next_check_idx" ON "segment_memberships" USING btree ("next_check_at") WHERE "segment_memberships"."next_check_at" is not null;--> statement-breakpoint
CREATE INDEX "segment_memberships_customer_idx" ON "segment_memberships" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "segment_versions_latest_idx" ON "segment_versions" USING btree ("segment_id","deployed_at");