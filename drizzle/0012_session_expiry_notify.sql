-- A session's end of life or owner changed by hand (an operator's SQL, a test moving time) is
-- noted like its deletion: the servers' session caches (services/auth-cache.ts) drop it.
-- last_seen_at stays out: it is touched once a minute per session and would drop every cache.
DROP TRIGGER IF EXISTS "sessions_cache" ON "sessions";
--> statement-breakpoint
CREATE TRIGGER "sessions_cache" AFTER UPDATE OF "expires_at", "user_id", "token_hash" OR DELETE OR TRUNCATE ON "sessions" FOR EACH STATEMENT EXECUTE FUNCTION "bon_tiers_notify_cache"('auth');
