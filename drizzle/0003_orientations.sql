CREATE TABLE "orientation_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"orientation_id" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" text
);
--> statement-breakpoint
CREATE TABLE "orientations" (
	"id" text PRIMARY KEY NOT NULL,
	"territory_id" text,
	"commune" text NOT NULL,
	"age" integer,
	"age_band" integer,
	"apa" boolean,
	"problems" text[] NOT NULL,
	"criteria" text[] NOT NULL,
	"request_type" text NOT NULL,
	"computed_level" text NOT NULL,
	"level" text NOT NULL,
	"level_reason" text,
	"consent" boolean NOT NULL,
	"structure_id" text,
	"orphan" boolean NOT NULL,
	"status" text NOT NULL,
	"note" text,
	"created_by_type" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"anonymised_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "orientation_events" ADD CONSTRAINT "orientation_events_orientation_id_orientations_id_fk" FOREIGN KEY ("orientation_id") REFERENCES "public"."orientations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orientations" ADD CONSTRAINT "orientations_territory_id_territories_id_fk" FOREIGN KEY ("territory_id") REFERENCES "public"."territories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orientations" ADD CONSTRAINT "orientations_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "orientation_events_orientation" ON "orientation_events" USING btree ("orientation_id");--> statement-breakpoint
CREATE INDEX "orientations_territory_status" ON "orientations" USING btree ("territory_id","status");--> statement-breakpoint
CREATE INDEX "orientations_created_by" ON "orientations" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "orientations_structure" ON "orientations" USING btree ("structure_id");--> statement-breakpoint
CREATE INDEX "orientations_status_changed" ON "orientations" USING btree ("status_changed_at");