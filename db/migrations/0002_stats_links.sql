ALTER TABLE "deliveries" ADD COLUMN "run_id" text;--> statement-breakpoint
ALTER TABLE "journey_runs" ADD COLUMN "trigger_message_id" text;--> statement-breakpoint
CREATE INDEX "deliveries_run_idx" ON "deliveries" USING btree ("run_id");