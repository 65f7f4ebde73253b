CREATE TABLE "orientation_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
-- The next reference of the current year (Europe/Paris), `OR-2026-00042`. The upsert locks the
-- year's counter row until the inserting transaction ends: concurrent inserts on PostgreSQL take
-- their numbers one after the other, and a rolled-back insert gives its number back.
CREATE OR REPLACE FUNCTION next_orientation_reference() RETURNS text
	LANGUAGE sql VOLATILE AS $$
	INSERT INTO public.orientation_counters AS c ("year", "last")
	VALUES (extract(year from now() at time zone 'Europe/Paris')::integer, 1)
	ON CONFLICT ("year") DO UPDATE SET "last" = c."last" + 1
	RETURNING 'OR-' || c."year" || '-' || lpad(c."last"::text, greatest(5, length(c."last"::text)), '0')
$$;
--> statement-breakpoint
ALTER TABLE "orientations" ADD COLUMN "reference" text;--> statement-breakpoint
-- Existing records are numbered in the order they were created, year by year.
WITH numbered AS (
	SELECT "id", extract(year from "created_at" at time zone 'Europe/Paris')::integer AS "year",
		row_number() OVER (
			PARTITION BY extract(year from "created_at" at time zone 'Europe/Paris')
			ORDER BY "created_at", "id"
		) AS "n"
	FROM "orientations"
)
UPDATE "orientations" o
SET "reference" = 'OR-' || numbered."year" || '-' || lpad(numbered."n"::text, greatest(5, length(numbered."n"::text)), '0')
FROM numbered
WHERE o."id" = numbered."id";--> statement-breakpoint
INSERT INTO "orientation_counters" ("year", "last")
SELECT extract(year from "created_at" at time zone 'Europe/Paris')::integer, count(*)
FROM "orientations"
GROUP BY 1;--> statement-breakpoint
ALTER TABLE "orientations" ALTER COLUMN "reference" SET DEFAULT next_orientation_reference();--> statement-breakpoint
ALTER TABLE "orientations" ALTER COLUMN "reference" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "orientations_reference" ON "orientations" USING btree ("reference");
