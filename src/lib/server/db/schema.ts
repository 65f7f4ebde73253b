import { sql } from 'drizzle-orm';
import {
	type AnyPgColumn,
	bigint,
	bigserial,
	boolean,
	date,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uniqueIndex
} from 'drizzle-orm/pg-core';
import type { Geometry, MultiPolygon, Polygon } from 'geojson';

/**
 * Places of orientation: every commune of France (from @etalab/decoupage-administratif) and the
 * municipal arrondissements of Paris, Lyon and Marseille. Boundaries arrive separately (shipped
 * files or `import communes`), so `geometry` may be null.
 */
export const communes = pgTable(
	'communes',
	{
		code: text('code').primaryKey(),
		name: text('name').notNull(),
		/** `commune` or `arrondissement` (municipal arrondissement of Paris, Lyon, Marseille). */
		kind: text('kind').notNull(),
		department: text('department').notNull(),
		/** For an arrondissement, the city it belongs to (13055 for Marseille's). */
		parentCode: text('parent_code'),
		epci: text('epci'),
		population: integer('population'),
		postalCodes: text('postal_codes')
			.array()
			.notNull()
			.default(sql`'{}'::text[]`),
		geometry: jsonb('geometry').$type<Geometry>(),
		/** [minLon, minLat, maxLon, maxLat] of the geometry, for the spatial index. */
		bbox: doublePrecision('bbox').array(),
		searchName: text('search_name')
			.notNull()
			.generatedAlwaysAs(sql`f_unaccent(lower(name))`),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('communes_search_name_trgm').using('gin', t.searchName.op('gin_trgm_ops')),
		index('communes_postal_codes').using('gin', t.postalCodes),
		index('communes_department').on(t.department),
		index('communes_epci').on(t.epci),
		index('communes_parent').on(t.parentCode)
	]
);

export const territories = pgTable('territories', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	/** Days without an answer after which the structure is reminded (contract §7). */
	reminderDays: integer('reminder_days').notNull().default(10),
	/** Days without an answer after which the orientation expires (contract §7). */
	expiryDays: integer('expiry_days').notNull().default(30),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

export const territoryCommunes = pgTable(
	'territory_communes',
	{
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		communeCode: text('commune_code')
			.notNull()
			.references(() => communes.code)
	},
	(t) => [
		primaryKey({ columns: [t.territoryId, t.communeCode] }),
		index('territory_communes_commune').on(t.communeCode)
	]
);

/** A structure, with every field of the import format (contract §2). */
export const structures = pgTable(
	'structures',
	{
		id: text('id').primaryKey(),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		kind: text('kind').notNull(),
		finess: text('finess'),
		address: text('address'),
		commune: text('commune'),
		lon: doublePrecision('lon'),
		lat: doublePrecision('lat'),
		/** The coverage codes as given (INSEE, `dep:XX`, `epci:SIREN`), shown readably. */
		coverage: text('coverage')
			.array()
			.notNull()
			.default(sql`'{}'::text[]`),
		coverageGeojson: jsonb('coverage_geojson').$type<Polygon | MultiPolygon>(),
		problems: text('problems').array().notNull(),
		levelMin: text('level_min').notNull(),
		levelMax: text('level_max').notNull(),
		mode: text('mode'),
		coordination: boolean('coordination').notNull(),
		ageMin: integer('age_min'),
		ageMax: integer('age_max'),
		apa: text('apa').notNull().default('any'),
		/** `required` (an MDPH notification), `excluded` or `any`: the counterpart of `apa`. */
		handicap: text('handicap').notNull().default('any'),
		caseloadMax: integer('caseload_max'),
		caseloadCurrent: integer('caseload_current'),
		phone: text('phone'),
		email: text('email'),
		website: text('website'),
		hours: text('hours'),
		referral: text('referral'),
		updatedAt: date('updated_at'),
		/**
		 * The remit (kind, problems, levels, public, coverage) was proposed by a bootstrap — FINESS
		 * gives where an establishment is, never whom it takes — and no person has confirmed it
		 * yet: shown as such everywhere until a pilot or a member confirms it (contract §8).
		 */
		toConfirm: boolean('to_confirm').notNull().default(false),
		confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
		confirmedBy: text('confirmed_by'),
		/**
		 * Where the row came from when a register brought it (`finess`): a re-run of that import
		 * updates the register's fields (name, address, position, phone) and nothing a person set.
		 */
		source: text('source'),
		/** When the register's fields were last refreshed from it, and the extract's date. */
		sourceSyncedAt: timestamp('source_synced_at', { withTimezone: true }),
		sourceDate: date('source_date'),
		searchText: text('search_text')
			.notNull()
			.generatedAlwaysAs(
				sql`f_unaccent(lower(coalesce(name, '') || ' ' || coalesce(address, '') || ' ' || coalesce(finess, '') || ' ' || coalesce(referral, '')))`
			),
		importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('structures_territory').on(t.territoryId),
		index('structures_kind').on(t.kind),
		index('structures_problems').using('gin', t.problems),
		index('structures_search_text_trgm').using('gin', t.searchText.op('gin_trgm_ops'))
	]
);

/** Coverage expanded to places (communes or arrondissements), for matching by place. */
export const structureCommunes = pgTable(
	'structure_communes',
	{
		structureId: text('structure_id')
			.notNull()
			.references(() => structures.id, { onDelete: 'cascade' }),
		communeCode: text('commune_code')
			.notNull()
			.references(() => communes.code),
		/**
		 * A polygon coverage that takes only part of the place: a request located by a point is
		 * matched against the polygon itself, one given by the commune alone gets a warning.
		 */
		partial: boolean('partial').notNull().default(false)
	},
	(t) => [
		primaryKey({ columns: [t.structureId, t.communeCode] }),
		index('structure_communes_commune').on(t.communeCode)
	]
);

/** Small instance-wide facts, e.g. the version of the loaded boundaries (cache invalidation). */
export const settings = pgTable('settings', {
	key: text('key').primaryKey(),
	value: text('value').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

/* ------------------------------ Accounts and access ------------------------------ */

/**
 * A person who signs in. `authProvider` is `local` (email + password) today; an OpenID Connect
 * provider such as ProConnect adds rows with its own name and `externalId` (the `sub` claim).
 */
export const users = pgTable(
	'users',
	{
		id: text('id').primaryKey(),
		email: text('email').notNull(),
		role: text('role').notNull(),
		authProvider: text('auth_provider').notNull().default('local'),
		externalId: text('external_id'),
		passwordHash: text('password_hash'),
		/** A one-time password given by an admin or the CLI must be changed at first login. */
		mustChangePassword: boolean('must_change_password').notNull().default(false),
		/**
		 * Created by a first sign-in through OpenID Connect (contract §6): a `partner` of no
		 * territory at all — not every territory, as an account given none is — until an admin
		 * places it. Cleared when an admin sets its territories.
		 */
		unplaced: boolean('unplaced').notNull().default(false),
		disabledAt: timestamp('disabled_at', { withTimezone: true }),
		lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('users_email').on(sql`lower(${t.email})`),
		uniqueIndex('users_external').on(t.authProvider, t.externalId)
	]
);

export const userTerritories = pgTable(
	'user_territories',
	{
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' })
	},
	(t) => [primaryKey({ columns: [t.userId, t.territoryId] })]
);

/** Sessions live in the database (several app instances may serve the same users). */
export const sessions = pgTable(
	'sessions',
	{
		/** SHA-256 of the cookie's random token: a database leak gives no usable session. */
		tokenHash: text('token_hash').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull()
	},
	(t) => [index('sessions_user').on(t.userId)]
);

/** Failed sign-in counters, per account and per client address (brute-force protection). */
export const loginThrottle = pgTable('login_throttle', {
	key: text('key').primaryKey(),
	failures: integer('failures').notNull().default(0),
	windowStart: timestamp('window_start', { withTimezone: true }).notNull().defaultNow(),
	blockedUntil: timestamp('blocked_until', { withTimezone: true })
});

export const apiTokens = pgTable('api_tokens', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	/** SHA-256 of the token; the token itself is shown once, at creation. */
	tokenHash: text('token_hash').notNull().unique(),
	role: text('role').notNull(),
	/**
	 * A structure's token (contract §7, `token create --structure ID`): it acts as a member of the
	 * structure. Deleted with the structure, so it never outlives what it answers for.
	 */
	structureId: text('structure_id').references(() => structures.id, { onDelete: 'cascade' }),
	createdBy: text('created_by'),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
	revokedAt: timestamp('revoked_at', { withTimezone: true })
});

export const apiTokenTerritories = pgTable(
	'api_token_territories',
	{
		tokenId: text('token_id')
			.notNull()
			.references(() => apiTokens.id, { onDelete: 'cascade' }),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' })
	},
	(t) => [primaryKey({ columns: [t.tokenId, t.territoryId] })]
);

/**
 * Who did what, when (UTC) and from where — never a person's name or other personal data about
 * the people oriented. Append-only: a trigger (migration) refuses UPDATE and DELETE.
 */
export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		/** `user`, `token`, `system` or `anonymous`. */
		actorType: text('actor_type').notNull(),
		actorId: text('actor_id'),
		/** Email or token name at the time, for reading the log without joins. */
		actorLabel: text('actor_label'),
		action: text('action').notNull(),
		outcome: text('outcome').notNull(),
		targetType: text('target_type'),
		targetId: text('target_id'),
		territoryId: text('territory_id'),
		ip: text('ip'),
		details: jsonb('details').$type<Record<string, unknown>>()
	},
	(t) => [
		index('audit_log_at').on(t.at),
		index('audit_log_action').on(t.action),
		index('audit_log_actor').on(t.actorId)
	]
);

/* ---------------------------------- Orientations ---------------------------------- */

/**
 * A request oriented at the guichet intégré. Never a name or direct identifier of the person
 * (CNIL): an age, a place code, problem and criteria codes, the consent flag, and a note that
 * the form asks to keep free of names. Anonymised after the retention period (age → band,
 * note dropped, author forgotten).
 */
export const orientations = pgTable(
	'orientations',
	{
		id: text('id').primaryKey(),
		/**
		 * The short reference people name it by, `OR-2026-00042`: the year of creation in
		 * Europe/Paris and a number that increases within that year. Drawn by the database (migration
		 * 0005: `next_orientation_reference()` upserts the year's row of `orientation_counters` in
		 * the inserting transaction), so concurrent inserts on PostgreSQL wait for each other on that
		 * row and never share a number, and a rolled-back insert leaves no gap.
		 */
		reference: text('reference')
			.notNull()
			.default(sql`next_orientation_reference()`),
		territoryId: text('territory_id').references(() => territories.id, { onDelete: 'set null' }),
		/** The place of life: commune or arrondissement (INSEE code). */
		commune: text('commune').notNull(),
		age: integer('age'),
		/** Five-year band (75 = 75–79), kept after anonymisation. */
		ageBand: integer('age_band'),
		apa: boolean('apa'),
		/** A recognised disability (an MDPH notification); null when nobody knows. */
		handicap: boolean('handicap'),
		problems: text('problems').array().notNull(),
		criteria: text('criteria').array().notNull(),
		requestType: text('request_type').notNull(),
		computedLevel: text('computed_level').notNull(),
		level: text('level').notNull(),
		levelReason: text('level_reason'),
		/**
		 * Why the agent proposes case management although the three MAIA conditions do not all
		 * hold (the gate's explicit override); dropped at anonymisation like the level reason.
		 */
		caseManagementReason: text('case_management_reason'),
		consent: boolean('consent').notNull(),
		structureId: text('structure_id').references(() => structures.id, { onDelete: 'set null' }),
		orphan: boolean('orphan').notNull(),
		status: text('status').notNull(),
		/**
		 * The refused or expired orientation this one re-orients (contract §7); the other way, its
		 * `next`, is the orientation whose `previous` it is (one at most: a unique index).
		 */
		previousId: text('previous_id').references((): AnyPgColumn => orientations.id, {
			onDelete: 'set null'
		}),
		note: text('note'),
		/** Where the request came from (the entry door: a kind of structure, the person, a relative). */
		source: text('source'),
		createdByType: text('created_by_type'),
		createdBy: text('created_by'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
		anonymisedAt: timestamp('anonymised_at', { withTimezone: true })
	},
	(t) => [
		uniqueIndex('orientations_reference').on(t.reference),
		index('orientations_territory_status').on(t.territoryId, t.status),
		index('orientations_created_by').on(t.createdBy),
		index('orientations_structure').on(t.structureId),
		index('orientations_status_changed').on(t.statusChangedAt),
		index('orientations_territory_created').on(t.territoryId, t.createdAt),
		uniqueIndex('orientations_previous').on(t.previousId),
		index('orientations_structure_status').on(t.structureId, t.status)
	]
);

/** The last orientation number given in each year (Europe/Paris), for the references. */
export const orientationCounters = pgTable('orientation_counters', {
	year: integer('year').primaryKey(),
	last: integer('last').notNull()
});

export const orientationEvents = pgTable(
	'orientation_events',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		orientationId: text('orientation_id')
			.notNull()
			.references(() => orientations.id, { onDelete: 'cascade' }),
		status: text('status').notNull(),
		/** A coded reason (contract §7): refusal or closing reason. */
		reasonCode: text('reason_code'),
		reason: text('reason'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		actorId: text('actor_id'),
		/**
		 * True when the structure answered itself (a member or its token); false when the orienting
		 * side wrote it — the agent recording what a structure without members said, or the instance.
		 */
		byStructure: boolean('by_structure').notNull().default(false),
		/**
		 * A case-management service's admission decision: the three MAIA conditions as it judged
		 * them, and whether they were taken from the request because it said nothing (contract §7).
		 */
		admission: jsonb('admission').$type<{
			trois_champs: boolean;
			aides_insuffisantes: boolean;
			sans_coordinateur: boolean;
			from_request: boolean;
		}>()
	},
	(t) => [index('orientation_events_orientation').on(t.orientationId)]
);

/**
 * The people who answer for a structure (contract §7): an account may belong to several
 * structures, and a structure have several members.
 */
export const structureMembers = pgTable(
	'structure_members',
	{
		structureId: text('structure_id')
			.notNull()
			.references(() => structures.id, { onDelete: 'cascade' }),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		createdBy: text('created_by')
	},
	(t) => [
		primaryKey({ columns: [t.structureId, t.userId] }),
		index('structure_members_user').on(t.userId)
	]
);

/**
 * The referral loop's e-mails, as an outbox: a message is written in the transaction of the
 * change that calls for it, then delivered (SMTP, or the log); `key` is unique per orientation
 * (`new`, `reminder`, `final_reminder`, `expired`, `answer:accepted`…), so a daily job that runs
 * twice, or two servers running it at once, send each message once. Only ids, codes and links:
 * nothing on the person.
 */
export const notifications = pgTable(
	'notifications',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		orientationId: text('orientation_id').references(() => orientations.id, {
			onDelete: 'cascade'
		}),
		key: text('key').notNull(),
		kind: text('kind').notNull(),
		recipients: text('recipients').array().notNull(),
		subject: text('subject').notNull(),
		body: text('body').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		sentAt: timestamp('sent_at', { withTimezone: true }),
		/** Taken by a delivery run (so two servers do not send it both); retried when stale. */
		claimedAt: timestamp('claimed_at', { withTimezone: true }),
		/** `smtp` or `log`, once delivered. */
		transport: text('transport'),
		attempts: integer('attempts').notNull().default(0),
		lastError: text('last_error')
	},
	(t) => [
		uniqueIndex('notifications_orientation_key').on(t.orientationId, t.key),
		index('notifications_pending').on(t.sentAt)
	]
);

/**
 * One-time sign-in links sent to invited members (contract §7): only the SHA-256 of the token is
 * kept; used once, within its lifetime, it opens a session that must set a password.
 */
export const invitations = pgTable(
	'invitations',
	{
		tokenHash: text('token_hash').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		structureId: text('structure_id').references(() => structures.id, { onDelete: 'cascade' }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true })
	},
	(t) => [index('invitations_user').on(t.userId)]
);

/**
 * `Idempotency-Key` of `POST /orientations` (contract §3): a retried create by the same principal
 * with the same key returns the first answer instead of a second record. Written in the same
 * transaction as the orientation, so a key is stored exactly when its orientation is. The key is
 * kept as its SHA-256 (a client may put anything in a header, a name included), with the
 * fingerprint of the request it came with (the same key with another request is refused) and the
 * answer given. Purged after 24 hours (privacy.ts).
 */
export const idempotencyKeys = pgTable(
	'idempotency_keys',
	{
		principalType: text('principal_type').notNull(),
		principalId: text('principal_id').notNull(),
		/** SHA-256 (hex) of the header's value. */
		keyHash: text('key_hash').notNull(),
		/** SHA-256 (hex) of the validated request, in a canonical form. */
		requestHash: text('request_hash').notNull(),
		orientationId: text('orientation_id')
			.notNull()
			.references(() => orientations.id, { onDelete: 'cascade' }),
		/** The answer given the first time (the orientation's id, reference and recommendation). */
		response: jsonb('response').$type<Record<string, unknown>>().notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		primaryKey({ columns: [t.principalType, t.principalId, t.keyHash] }),
		index('idempotency_keys_created').on(t.createdAt),
		index('idempotency_keys_orientation').on(t.orientationId)
	]
);

/* ------------------------------ The pilot's desk ------------------------------ */

/**
 * Orientation rules agreed in concertation, on top of the declared remits: "prefer" a structure
 * or "never" orient to it, optionally for one dominant problem, level and place. Never deleted:
 * a removed rule keeps `removedAt`, and every change is an event (who, when, why) that can be
 * undone.
 */
export const territoryRules = pgTable(
	'territory_rules',
	{
		id: text('id').primaryKey(),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		effect: text('effect').notNull(),
		structureId: text('structure_id')
			.notNull()
			.references(() => structures.id, { onDelete: 'cascade' }),
		problem: text('problem'),
		level: text('level'),
		commune: text('commune'),
		reason: text('reason').notNull(),
		agreedOn: date('agreed_on'),
		createdBy: text('created_by'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		removedAt: timestamp('removed_at', { withTimezone: true })
	},
	(t) => [index('territory_rules_territory').on(t.territoryId)]
);

export const ruleEvents = pgTable(
	'rule_events',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		ruleId: text('rule_id')
			.notNull()
			.references(() => territoryRules.id, { onDelete: 'cascade' }),
		/** `add`, `remove` or `restore`. */
		action: text('action').notNull(),
		reason: text('reason'),
		actorId: text('actor_id'),
		actorLabel: text('actor_label'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		/** The event this one undid, if it is an undo. */
		undoes: bigint('undoes', { mode: 'number' })
	},
	(t) => [index('rule_events_territory').on(t.territoryId)]
);

/** Caseload of a service over time (imports and updates by the service or a pilot). */
export const caseloadHistory = pgTable(
	'caseload_history',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		structureId: text('structure_id')
			.notNull()
			.references(() => structures.id, { onDelete: 'cascade' }),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		current: integer('current'),
		max: integer('max'),
		source: text('source').notNull()
	},
	(t) => [index('caseload_history_structure').on(t.structureId, t.at)]
);

/**
 * « Vérifiez vos informations » (issue 15): a pilot asks the members of every structure of the
 * territory not verified for `months` months to look at its page. One row per campaign, one per
 * structure asked; a structure has answered when a person vouched for it since (edited or
 * confirmed it: `answered_at`, set in the transaction of that change), which the desk shows.
 */
export const freshnessCampaigns = pgTable(
	'freshness_campaigns',
	{
		id: text('id').primaryKey(),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		months: integer('months').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		createdBy: text('created_by')
	},
	(t) => [index('freshness_campaigns_territory').on(t.territoryId, t.createdAt)]
);

export const freshnessRequests = pgTable(
	'freshness_requests',
	{
		campaignId: text('campaign_id')
			.notNull()
			.references(() => freshnessCampaigns.id, { onDelete: 'cascade' }),
		structureId: text('structure_id')
			.notNull()
			.references(() => structures.id, { onDelete: 'cascade' }),
		/** The members written to (0: none, the pilot calls them). */
		recipients: integer('recipients').notNull(),
		/** The structure's last verification when asked (null: never). */
		verifiedBefore: date('verified_before'),
		answeredAt: timestamp('answered_at', { withTimezone: true }),
		answeredBy: text('answered_by'),
		/** `edit` (the form was saved) or `confirm` (the information was said to be right). */
		answer: text('answer')
	},
	(t) => [
		primaryKey({ columns: [t.campaignId, t.structureId] }),
		index('freshness_requests_open').on(t.structureId, t.answeredAt)
	]
);
