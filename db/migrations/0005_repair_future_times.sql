-- Issue 15: times a client dated in the future (a timestamp such as 9999-01-01 without sentAt, a device
-- clock a year fast) were stored as given, and consent decisions compare them: every later unsubscribe was
-- ignored. Ingest now never dates an event later than receive time + INGEST_MAX_CLOCK_SKEW (default 5m);
-- these statements repair rows written before. Events: the receive time, as ingest now does.
UPDATE "events" SET "occurred_at" = "received_at"
WHERE "occurred_at" > "received_at" + interval '5 minutes';
--> statement-breakpoint
-- Consent decisions dated in the future: now, so that any later decision (an unsubscribe) wins.
UPDATE "consents" SET "updated_at" = now() WHERE "updated_at" > now();
--> statement-breakpoint
UPDATE "customers" SET "last_seen_at" = now() WHERE "last_seen_at" > now();
--> statement-breakpoint
-- Trait times are ISO-8601 strings (toISOString), compared as text by ingest: a future one is set to now.
UPDATE "customers" AS c
SET "trait_times" = (
  SELECT jsonb_object_agg(
    t.key,
    CASE WHEN jsonb_typeof(t.value) = 'string' AND t.value #>> '{}' > n.iso THEN to_jsonb(n.iso) ELSE t.value END
  )
  FROM jsonb_each(c."trait_times") AS t
)
FROM (SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso) AS n
WHERE EXISTS (
  SELECT 1 FROM jsonb_each(c."trait_times") AS e
  WHERE jsonb_typeof(e.value) = 'string' AND e.value #>> '{}' > n.iso
);
