-- Several servers share one PostgreSQL (contract §6): each keeps derived, in-memory views (the
-- remit index, the caseloads, the geography, who is signed in). Every statement that changes
-- what a view is built from notifies the channel `bon_tiers_cache` with the view's name; each
-- server listens and rebuilds that view before its next answer. NOTIFY is sent at commit, once
-- per transaction and payload, and never for a rolled-back write, so a server never rebuilds
-- from half a change. Statement-level triggers keep a bulk import to one notification. Who is
-- signed in changes with what revokes or reshapes a principal, not with the touches of each use
-- (a session's last_seen_at, a token's last_used_at, a login's last_login_at).
CREATE FUNCTION "bon_tiers_notify_cache"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('bon_tiers_cache', TG_ARGV[0]);
	-- Also kept for the transaction itself to read before it commits: the server that writes
	-- drops its own views as soon as the commit returns, without waiting for the notification.
	PERFORM set_config('bon_tiers.changed',
		coalesce(current_setting('bon_tiers.changed', true), '') || TG_ARGV[0] || ',', true);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "structures_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "structures" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('remit');
--> statement-breakpoint
CREATE TRIGGER "structure_communes_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "structure_communes" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('remit');
--> statement-breakpoint
CREATE TRIGGER "territories_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "territories" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('remit');
--> statement-breakpoint
CREATE TRIGGER "territory_communes_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "territory_communes" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('remit');
--> statement-breakpoint
CREATE TRIGGER "territory_rules_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "territory_rules" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('remit');
--> statement-breakpoint
CREATE TRIGGER "orientations_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "orientations" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('caseload');
--> statement-breakpoint
CREATE TRIGGER "structure_members_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "structure_members" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('caseload');
--> statement-breakpoint
-- Boundaries are loaded in batches at a first start: the geography is announced once they are
-- all in, by the version row geography.ts writes, not at each batch.
CREATE TRIGGER "geography_version_cache" AFTER INSERT OR UPDATE ON "settings" FOR EACH ROW WHEN (NEW."key" = 'geography_version') EXECUTE FUNCTION "bon_tiers_notify_cache"('geography');
--> statement-breakpoint
CREATE TRIGGER "structure_members_auth_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "structure_members" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
--> statement-breakpoint
CREATE TRIGGER "sessions_cache" AFTER DELETE OR TRUNCATE ON "sessions" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
--> statement-breakpoint
CREATE TRIGGER "api_tokens_cache" AFTER UPDATE OF "revoked_at", "role", "name", "structure_id", "token_hash" OR DELETE OR TRUNCATE ON "api_tokens" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
--> statement-breakpoint
CREATE TRIGGER "api_token_territories_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "api_token_territories" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
--> statement-breakpoint
CREATE TRIGGER "users_cache" AFTER UPDATE OF "role", "email", "disabled_at", "must_change_password", "unplaced", "password_hash", "auth_provider", "external_id" OR DELETE OR TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
--> statement-breakpoint
CREATE TRIGGER "user_territories_cache" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "user_territories" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
