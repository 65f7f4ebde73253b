CREATE TABLE "communes" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"department" text NOT NULL,
	"parent_code" text,
	"epci" text,
	"population" integer,
	"postal_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"geometry" jsonb,
	"bbox" double precision[],
	"search_name" text GENERATED ALWAYS AS (f_unaccent(lower(name))) STORED NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "structure_communes" (
	"structure_id" text NOT NULL,
	"commune_code" text NOT NULL,
	CONSTRAINT "structure_communes_structure_id_commune_code_pk" PRIMARY KEY("structure_id","commune_code")
);
--> statement-breakpoint
CREATE TABLE "structures" (
	"id" text PRIMARY KEY NOT NULL,
	"territory_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"finess" text,
	"address" text,
	"commune" text,
	"lon" double precision,
	"lat" double precision,
	"coverage" text[] DEFAULT '{}'::text[] NOT NULL,
	"coverage_geojson" jsonb,
	"problems" text[] NOT NULL,
	"level_min" text NOT NULL,
	"level_max" text NOT NULL,
	"mode" text,
	"coordination" boolean NOT NULL,
	"age_min" integer,
	"age_max" integer,
	"apa" text DEFAULT 'any' NOT NULL,
	"caseload_max" integer,
	"caseload_current" integer,
	"phone" text,
	"email" text,
	"website" text,
	"hours" text,
	"referral" text,
	"updated_at" date,
	"search_text" text GENERATED ALWAYS AS (f_unaccent(lower(coalesce(name, '') || ' ' || coalesce(address, '') || ' ' || coalesce(finess, '') || ' ' || coalesce(referral, '')))) STORED NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "territories" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "territory_communes" (
	"territory_id" text NOT NULL,
	"commune_code" text NOT NULL,
	CONSTRAINT "territory_communes_territory_id_commune_code_pk" PRIMARY KEY("territory_id","commune_code")
);
--> statement-breakpoint
ALTER TABLE "structure_communes" ADD CONSTRAINT "structure_communes_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "structure_communes" ADD CONSTRAINT "structure_communes_commune_code_communes_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."communes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "structures" ADD CONSTRAINT "structures_territory_id_territories_id_fk" FOREIGN KEY ("territory_id") REFERENCES "public"."territories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "territory_communes" ADD CONSTRAINT "territory_communes_territory_id_territories_id_fk" FOREIGN KEY ("territory_id") REFERENCES "public"."territories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "territory_communes" ADD CONSTRAINT "territory_communes_commune_code_communes_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."communes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "communes_search_name_trgm" ON "communes" USING gin ("search_name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "communes_postal_codes" ON "communes" USING gin ("postal_codes");--> statement-breakpoint
CREATE INDEX "communes_department" ON "communes" USING btree ("department");--> statement-breakpoint
CREATE INDEX "communes_epci" ON "communes" USING btree ("epci");--> statement-breakpoint
CREATE INDEX "communes_parent" ON "communes" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "structure_communes_commune" ON "structure_communes" USING btree ("commune_code");--> statement-breakpoint
CREATE INDEX "structures_territory" ON "structures" USING btree ("territory_id");--> statement-breakpoint
CREATE INDEX "structures_kind" ON "structures" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "structures_problems" ON "structures" USING gin ("problems");--> statement-breakpoint
CREATE INDEX "structures_search_text_trgm" ON "structures" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "territory_communes_commune" ON "territory_communes" USING btree ("commune_code");