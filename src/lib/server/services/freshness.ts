import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import {
	freshnessCampaigns as campaignsTable,
	freshnessRequests,
	territories
} from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import { deliverPending, queueMail } from '$lib/server/mail/outbox';
import { freshnessMail } from '$lib/server/mail/messages';
import { audit } from './audit';
import { PAGE_LIMIT } from './bounds';
import { ServiceError } from './errors';
import { memberEmailsOf, structureLink } from './referral-mail';
import { requireTerritory } from './scope';

/**
 * Freshness campaigns (issue 15): the pilot asks the members of every structure of the territory
 * not verified for N months to look at its page and correct it (« Modifier la fiche ») or say it
 * is right (« Les informations sont à jour »). One request per structure asked; the request is
 * answered by markFreshnessAnswered (freshness-answers.ts) in the transaction of whatever change
 * vouches for the structure — an edit, a verification, a remit confirmation, the pilot's
 * « vérifiée aujourd’hui » — so the desk shows who answered, and when, without a second write.
 */

export const MONTHS_MIN = 1;
export const MONTHS_MAX = 60;
/** The desk's default, the same year as staleStructures'. */
export const MONTHS_DEFAULT = 12;
/** Campaigns shown on the desk, latest first. */
export const CAMPAIGNS_SHOWN = 5;

/** Mails delivered right away, per run of the outbox (its own batch size). */
const DELIVERY_CHUNK = 20;

export interface CampaignResult {
	campaignId: string;
	/** Structures asked (requests recorded). */
	structures: number;
	/** Structures whose members were written to. */
	mailed: number;
	/** Structures asked that have no member to write to: the pilot calls them. */
	withoutMembers: number;
}

/** A whole number of months within 1–60 (a form's text, or a number), else `invalid` on `mois`. */
export function parseMonths(value: unknown): number {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
	const months = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
	if (!Number.isInteger(months) || months < MONTHS_MIN || months > MONTHS_MAX) {
		const message = `un nombre entier de mois entre ${MONTHS_MIN} et ${MONTHS_MAX} est attendu`;
		throw new ServiceError('invalid', `Durée invalide : ${message}.`, [{ path: 'mois', message }]);
	}
	return months;
}

/**
 * Starts a campaign on a territory (a pilot of it; another territory is `not_found`): in one
 * transaction, the campaign, one request per structure imported into the territory whose
 * « vérifiée le » (updated_at) is unknown or older than `months` months before today in
 * Europe/Paris, one mail per structure to its members (none: the request is still recorded,
 * recipients 0, so the desk says « aucun membre à prévenir »), and the audit entry. The mails are
 * then delivered (the outbox keeps what could not be sent for its hourly run).
 */
export async function startFreshnessCampaign(
	db: Db,
	caller: Caller,
	territoryId: string,
	months: unknown
): Promise<CampaignResult> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const m = parseMonths(months);
	const campaignId = randomUUID();
	const queued: number[] = [];
	const result = await db.transaction(async (txn) => {
		const tx = txn as unknown as Db;
		const [territory] = await tx
			.select({ name: territories.name })
			.from(territories)
			.where(eq(territories.id, territoryId));
		// A structure already asked by an earlier campaign and still silent is asked again: the
		// pilot relaunches it, and the new campaign's table must list it with the others (a
		// campaign that left out the structures that never answered would show the best ones
		// only). Its earlier request stays open as it was — that campaign did ask, and got no
		// answer yet —, and the one answer it gives then closes both (markFreshnessAnswered answers
		// every open request of the structure). Within one campaign, a structure is asked once
		// (the primary key).
		const stale = await queryRows<{
			id: string;
			name: string;
			updated_at: string | Date | null;
		}>(
			tx,
			sql`select id, name, updated_at from structures
				where territory_id = ${territoryId}
					and (updated_at is null or updated_at <
						((now() at time zone 'Europe/Paris')::date - make_interval(months => ${m}::int))::date)
				order by updated_at nulls first, name, id`
		);
		await tx.insert(campaignsTable).values({
			id: campaignId,
			territoryId,
			months: m,
			createdBy: caller.principal.label
		});
		const members = await memberEmailsOf(
			tx,
			stale.map((s) => s.id)
		);
		const rows = stale.map((s) => ({
			campaignId,
			structureId: s.id,
			recipients: members.get(s.id)?.length ?? 0,
			verifiedBefore: dayOf(s.updated_at)
		}));
		// Bounded statements: a territory imported from FINESS may hold hundreds of structures.
		for (let i = 0; i < rows.length; i += 500) {
			await tx.insert(freshnessRequests).values(rows.slice(i, i + 500));
		}
		let mailed = 0;
		for (const s of stale) {
			const recipients = members.get(s.id) ?? [];
			if (recipients.length === 0) continue;
			const id = await queueMail(tx, {
				orientationId: null,
				key: `freshness:${campaignId}:${s.id}`,
				kind: 'freshness',
				recipients,
				...freshnessMail({
					structureName: s.name,
					territoryName: territory?.name ?? territoryId,
					verifiedOn: dayOf(s.updated_at),
					link: structureLink(s.id)
				})
			});
			if (id !== null) queued.push(id);
			mailed++;
		}
		const counts = {
			structures: stale.length,
			mailed,
			withoutMembers: stale.length - mailed
		};
		await audit(tx, {
			actor: caller.principal,
			action: 'freshness.campaign',
			outcome: 'success',
			target: { type: 'territory', id: territoryId },
			territoryId,
			ip: caller.ip,
			details: { campaign: campaignId, months: m, ...counts }
		});
		return { campaignId, ...counts };
	});
	for (let i = 0; i < queued.length; i += DELIVERY_CHUNK) {
		const run = await deliverPending(db, { ids: queued.slice(i, i + DELIVERY_CHUNK) });
		// The server cannot be reached: the rest waits for the outbox's next run.
		if (run.sent + run.logged === 0) break;
	}
	return result;
}

/** A date column as `YYYY-MM-DD`, whichever driver read it. */
function dayOf(value: string | Date | null): string | null {
	if (value === null) return null;
	return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

export interface FreshnessRequestLine {
	structureId: string;
	name: string;
	/** Members written to (0: none to tell). */
	recipients: number;
	/** The structure's « vérifiée le » when asked (`YYYY-MM-DD`), null: never verified. */
	verifiedBefore: string | null;
	answeredAt: Date | null;
	answeredBy: string | null;
	answer: 'edit' | 'confirm' | null;
}

export interface FreshnessCampaign {
	id: string;
	createdAt: Date;
	months: number;
	createdBy: string | null;
	/** Structures asked. */
	total: number;
	answered: number;
	/** Structures asked that had no member to write to. */
	withoutMembers: number;
	/** The first PAGE_LIMIT requests, unanswered first, then by name. */
	requests: FreshnessRequestLine[];
	/** Requests beyond them. */
	more: number;
}

/**
 * The desk's view (a pilot of the territory): the latest CAMPAIGNS_SHOWN campaigns, latest
 * first, each with its counts and its requests (at most PAGE_LIMIT, those still waiting first).
 */
export async function freshnessCampaigns(
	db: Db,
	caller: Caller,
	territoryId: string
): Promise<FreshnessCampaign[]> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const campaigns = await queryRows<{
		id: string;
		created_at: string | Date;
		months: number;
		created_by: string | null;
		total: number;
		answered: number;
		without_members: number;
	}>(
		db,
		sql`select c.id, c.created_at, c.months, c.created_by,
				(select count(*) from freshness_requests r where r.campaign_id = c.id)::int as total,
				(select count(*) from freshness_requests r
					where r.campaign_id = c.id and r.answered_at is not null)::int as answered,
				(select count(*) from freshness_requests r
					where r.campaign_id = c.id and r.recipients = 0)::int as without_members
			from freshness_campaigns c
			where c.territory_id = ${territoryId}
			order by c.created_at desc, c.id
			limit ${CAMPAIGNS_SHOWN}`
	);
	if (campaigns.length === 0) return [];
	const requests = await queryRows<{
		campaign_id: string;
		structure_id: string;
		name: string;
		recipients: number;
		verified_before: string | Date | null;
		answered_at: string | Date | null;
		answered_by: string | null;
		answer: 'edit' | 'confirm' | null;
	}>(
		db,
		sql`select campaign_id, structure_id, name, recipients, verified_before, answered_at,
				answered_by, answer from (
				select r.campaign_id, r.structure_id, s.name, r.recipients, r.verified_before,
					r.answered_at, r.answered_by, r.answer,
					row_number() over (partition by r.campaign_id
						order by (r.answered_at is not null), s.name, s.id) as n
				from freshness_requests r join structures s on s.id = r.structure_id
				where r.campaign_id in ${campaigns.map((c) => c.id)}
			) q where n <= ${PAGE_LIMIT}
			order by campaign_id, n`
	);
	const byCampaign = new Map<string, FreshnessRequestLine[]>();
	for (const r of requests) {
		const lines = byCampaign.get(r.campaign_id) ?? [];
		lines.push({
			structureId: r.structure_id,
			name: r.name,
			recipients: r.recipients,
			verifiedBefore: dayOf(r.verified_before),
			answeredAt: r.answered_at === null ? null : new Date(r.answered_at),
			answeredBy: r.answered_by,
			answer: r.answer
		});
		byCampaign.set(r.campaign_id, lines);
	}
	return campaigns.map((c) => {
		const lines = byCampaign.get(c.id) ?? [];
		return {
			id: c.id,
			createdAt: new Date(c.created_at),
			months: c.months,
			createdBy: c.created_by,
			total: c.total,
			answered: c.answered,
			withoutMembers: c.without_members,
			requests: lines,
			more: Math.max(0, c.total - lines.length)
		};
	});
}
