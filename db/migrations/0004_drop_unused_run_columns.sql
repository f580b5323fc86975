ALTER TABLE "journey_runs" DROP COLUMN "revenue";--> statement-breakpoint
ALTER TABLE "journey_runs" DROP COLUMN "steps";