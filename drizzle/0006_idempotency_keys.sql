CREATE TABLE "idempotency_keys" (
	"principal_type" text NOT NULL,
	"principal_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"request_hash" text NOT NULL,
	"orientation_id" text NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_principal_type_principal_id_key_hash_pk" PRIMARY KEY("principal_type","principal_id","key_hash")
);
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_orientation_id_orientations_id_fk" FOREIGN KEY ("orientation_id") REFERENCES "public"."orientations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_orientation" ON "idempotency_keys" USING btree ("orientation_id");--> statement-breakpoint
-- Anonymisation now also drops the level reason, the status reasons and who wrote each status
-- (privacy.ts): records anonymised before lose them too. The orphan event's reason is the
-- instance's own wording, not free text, and stays.
UPDATE "orientations" SET "level_reason" = NULL
WHERE "anonymised_at" IS NOT NULL AND "level_reason" IS NOT NULL;--> statement-breakpoint
UPDATE "orientation_events" e
SET "reason" = CASE WHEN e."reason" = 'situation orpheline : aucune structure' THEN e."reason" END,
	"actor_id" = NULL
FROM "orientations" o
WHERE o."id" = e."orientation_id" AND o."anonymised_at" IS NOT NULL;
