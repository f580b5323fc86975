CREATE TABLE "twilio_inbound_messages" (
	"message_sid" text PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "twilio_inbound_messages_received_idx" ON "twilio_inbound_messages" USING btree ("received_at");