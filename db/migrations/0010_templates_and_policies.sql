CREATE TABLE "policy_versions" (
	"policy_id" text NOT NULL,
	"version" text NOT NULL,
	"document" jsonb NOT NULL,
	"deployed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_versions_policy_id_version_pk" PRIMARY KEY("policy_id","version")
);
--> statement-breakpoint
CREATE TABLE "template_versions" (
	"template_id" text NOT NULL,
	"version" text NOT NULL,
	"content" jsonb NOT NULL,
	"deployed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "template_versions_template_id_version_pk" PRIMARY KEY("template_id","version")
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "rule" text;--> statement-breakpoint
CREATE INDEX "policy_versions_latest_idx" ON "policy_versions" USING btree ("policy_id","deployed_at");--> statement-breakpoint
CREATE INDEX "template_versions_latest_idx" ON "template_versions" USING btree ("template_id","deployed_at");