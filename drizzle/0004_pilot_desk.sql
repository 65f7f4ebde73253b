CREATE TABLE "caseload_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"structure_id" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"current" integer,
	"max" integer,
	"source" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"territory_id" text NOT NULL,
	"rule_id" text NOT NULL,
	"action" text NOT NULL,
	"reason" text,
	"actor_id" text,
	"actor_label" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"undoes" bigint
);
--> statement-breakpoint
CREATE TABLE "territory_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"territory_id" text NOT NULL,
	"effect" text NOT NULL,
	"structure_id" text NOT NULL,
	"problem" text,
	"level" text,
	"commune" text,
	"reason" text NOT NULL,
	"agreed_on" date,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "orientations" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "caseload_history" ADD CONSTRAINT "caseload_history_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_events" ADD CONSTRAINT "rule_events_territory_id_territories_id_fk" FOREIGN KEY ("territory_id") REFERENCES "public"."territories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_events" ADD CONSTRAINT "rule_events_rule_id_territory_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."territory_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "territory_rules" ADD CONSTRAINT "territory_rules_territory_id_territories_id_fk" FOREIGN KEY ("territory_id") REFERENCES "public"."territories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "territory_rules" ADD CONSTRAINT "territory_rules_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "caseload_history_structure" ON "caseload_history" USING btree ("structure_id","at");--> statement-breakpoint
CREATE INDEX "rule_events_territory" ON "rule_events" USING btree ("territory_id");--> statement-breakpoint
CREATE INDEX "territory_rules_territory" ON "territory_rules" USING btree ("territory_id");--> statement-breakpoint
CREATE INDEX "orientations_territory_created" ON "orientations" USING btree ("territory_id","created_at");