CREATE TABLE "freshness_campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"territory_id" text NOT NULL,
	"months" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text
);
--> statement-breakpoint
CREATE TABLE "freshness_requests" (
	"campaign_id" text NOT NULL,
	"structure_id" text NOT NULL,
	"recipients" integer NOT NULL,
	"verified_before" date,
	"answered_at" timestamp with time zone,
	"answered_by" text,
	"answer" text,
	CONSTRAINT "freshness_requests_campaign_id_structure_id_pk" PRIMARY KEY("campaign_id","structure_id")
);
--> statement-breakpoint
ALTER TABLE "freshness_campaigns" ADD CONSTRAINT "freshness_campaigns_territory_id_territories_id_fk" FOREIGN KEY ("territory_id") REFERENCES "public"."territories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "freshness_requests" ADD CONSTRAINT "freshness_requests_campaign_id_freshness_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."freshness_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "freshness_requests" ADD CONSTRAINT "freshness_requests_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "freshness_campaigns_territory" ON "freshness_campaigns" USING btree ("territory_id","created_at");--> statement-breakpoint
CREATE INDEX "freshness_requests_open" ON "freshness_requests" USING btree ("structure_id","answered_at");