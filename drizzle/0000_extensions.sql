-- Accent-insensitive and typo-tolerant search (directory, place picker). Both extensions are
-- "trusted" since PostgreSQL 13 (a database owner may create them) and ship with PGlite.
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
-- unaccent() is only STABLE (its dictionary could change), so it cannot feed a generated column
-- or an index; this wrapper pins the dictionary and is declared IMMUTABLE, the usual idiom.
CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
