-- Issue 15: an identity claimed by a client (public) write key is recorded unverified and is never a
-- delivery address nor a reason to merge; one asserted by a trusted sender is verified.
ALTER TABLE "identities" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
-- Where a merge brought an identity from, so delivery prefers the surviving customer's own address.
ALTER TABLE "identities" ADD COLUMN "merged_from_id" uuid;--> statement-breakpoint
-- A run ended because its customer merged into another names the run that went on.
ALTER TABLE "journey_runs" ADD COLUMN "merged_into_run_id" text;--> statement-breakpoint
-- Identities written before this migration came from keys that were all trusted alike: verified as of
-- when they were recorded.
UPDATE "identities" SET "verified_at" = "created_at" WHERE "verified_at" IS NULL;
