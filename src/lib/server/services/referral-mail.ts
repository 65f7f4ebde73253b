import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { structureMembers, users } from '$lib/server/db/schema';
import { readConfig } from '$lib/server/config';
import { queueMail } from '$lib/server/mail/outbox';
import {
	answerMail,
	expiredMail,
	finalReminderMail,
	newOrientationMail,
	reminderMail,
	unansweredMail
} from '$lib/server/mail/messages';

/**
 * Who the referral loop writes to, and what: each message is queued in the outbox within the
 * transaction of the change that calls for it (mail/outbox.ts), so a message exists exactly when
 * its change does, and is sent once (its key is unique per orientation). Messages carry the
 * reference, the structure, the territory and a link — never the person's age, problems or note
 * (contract §7): whoever reads the mail signs in to see the request.
 */

/** The active accounts answering for a structure. */
export async function memberEmails(db: Db, structureId: string): Promise<string[]> {
	return (await memberEmailsOf(db, [structureId])).get(structureId) ?? [];
}

/**
 * The same for several structures in one query (a freshness campaign writes to every stale
 * structure of a territory): each structure's addresses, absent for a structure without members.
 */
export async function memberEmailsOf(
	db: Db,
	structureIds: readonly string[]
): Promise<Map<string, string[]>> {
	const byStructure = new Map<string, string[]>();
	if (structureIds.length === 0) return byStructure;
	const rows = await db
		.select({ structureId: structureMembers.structureId, email: users.email })
		.from(structureMembers)
		.innerJoin(users, eq(users.id, structureMembers.userId))
		.where(and(inArray(structureMembers.structureId, [...structureIds]), isNull(users.disabledAt)));
	for (const r of rows)
		byStructure.set(r.structureId, [...(byStructure.get(r.structureId) ?? []), r.email]);
	return byStructure;
}

/** The orienting agent's address, when a (still active) account recorded the orientation. */
async function authorEmails(db: Db, createdByType: string | null, createdBy: string | null) {
	if (createdByType !== 'user' || !createdBy) return [];
	const rows = await db
		.select({ email: users.email })
		.from(users)
		.where(and(eq(users.id, createdBy), isNull(users.disabledAt)));
	return rows.map((r) => r.email);
}

const origin = () => readConfig().origin.replace(/\/$/, '');

/** Where a member opens it: the structure's inbox, on that orientation. */
export const inboxLink = (structureId: string, orientationId: string) =>
	`${origin()}/structures/${encodeURIComponent(structureId)}/demandes?orientation=${encodeURIComponent(orientationId)}`;

/** A structure's page, where its members correct it or say it is right (a freshness campaign). */
export const structureLink = (structureId: string) =>
	`${origin()}/structures/${encodeURIComponent(structureId)}`;

/** Where the agent opens it: the record. */
export const recordLink = (orientationId: string) =>
	`${origin()}/orientations/${encodeURIComponent(orientationId)}`;

interface Context {
	id: string;
	reference: string;
	structureId: string;
	structureName: string;
	territoryName: string;
	createdByType: string | null;
	createdBy: string | null;
}

async function contextOf(db: Db, orientationId: string): Promise<Context | null> {
	const [row] = await queryRows<{
		id: string;
		reference: string;
		structure_id: string | null;
		structure_name: string | null;
		territory_name: string | null;
		created_by_type: string | null;
		created_by: string | null;
	}>(
		db,
		sql`select o.id, o.reference, o.structure_id, s.name as structure_name,
				t.name as territory_name, o.created_by_type, o.created_by
			from orientations o
			left join structures s on s.id = o.structure_id
			left join territories t on t.id = o.territory_id
			where o.id = ${orientationId}`
	);
	if (!row || !row.structure_id) return null;
	return {
		id: row.id,
		reference: row.reference,
		structureId: row.structure_id,
		structureName: row.structure_name ?? row.structure_id,
		territoryName: row.territory_name ?? '',
		createdByType: row.created_by_type,
		createdBy: row.created_by
	};
}

/** A new orientation: its structure's members are told (none: the agent prints the liaison sheet). */
export async function queueNewOrientation(tx: Db, orientationId: string): Promise<number | null> {
	const c = await contextOf(tx, orientationId);
	if (!c) return null;
	const message = newOrientationMail({
		reference: c.reference,
		structureName: c.structureName,
		territoryName: c.territoryName,
		link: inboxLink(c.structureId, c.id)
	});
	return queueMail(tx, {
		orientationId: c.id,
		key: 'new',
		kind: 'new',
		recipients: await memberEmails(tx, c.structureId),
		...message
	});
}

/**
 * An answer given by the structure itself: the orienting agent is told. Not when the agent
 * recorded it (it knows), nor for a refusal's free text (only its coded reason is named).
 */
export async function queueAnswer(
	tx: Db,
	orientationId: string,
	status: string,
	statusLabel: string,
	reasonLabel: string | null
): Promise<number | null> {
	const c = await contextOf(tx, orientationId);
	if (!c) return null;
	const message = answerMail({
		reference: c.reference,
		structureName: c.structureName,
		territoryName: c.territoryName,
		link: recordLink(c.id),
		statusLabel,
		reasonLabel
	});
	return queueMail(tx, {
		orientationId: c.id,
		key: `answer:${status}`,
		kind: 'answer',
		recipients: await authorEmails(tx, c.createdByType, c.createdBy),
		...message
	});
}

/**
 * A reminder of an unanswered orientation: to the structure's members, or — a structure without
 * members cannot be reached by the instance — to the agent, who relaunches it by phone.
 */
export async function queueReminder(
	tx: Db,
	orientationId: string,
	stage: 'reminder' | 'final_reminder',
	days: number,
	expiresOn: Date
): Promise<number | null> {
	const c = await contextOf(tx, orientationId);
	if (!c) return null;
	const members = await memberEmails(tx, c.structureId);
	const base = {
		reference: c.reference,
		structureName: c.structureName,
		territoryName: c.territoryName
	};
	if (members.length === 0) {
		return queueMail(tx, {
			orientationId: c.id,
			key: stage,
			kind: 'unanswered',
			recipients: await authorEmails(tx, c.createdByType, c.createdBy),
			...unansweredMail({ ...base, link: recordLink(c.id), days })
		});
	}
	const link = inboxLink(c.structureId, c.id);
	return queueMail(tx, {
		orientationId: c.id,
		key: stage,
		kind: stage,
		recipients: members,
		...(stage === 'reminder'
			? reminderMail({ ...base, link, days })
			: finalReminderMail({ ...base, link, expiresOn }))
	});
}

/** An expiry: the agent (to re-orient) and the structure's members are told, each their link. */
export async function queueExpiry(tx: Db, orientationId: string): Promise<(number | null)[]> {
	const c = await contextOf(tx, orientationId);
	if (!c) return [];
	const base = {
		reference: c.reference,
		structureName: c.structureName,
		territoryName: c.territoryName
	};
	return [
		await queueMail(tx, {
			orientationId: c.id,
			key: 'expired:agent',
			kind: 'expired',
			recipients: await authorEmails(tx, c.createdByType, c.createdBy),
			...expiredMail({ ...base, link: recordLink(c.id) })
		}),
		await queueMail(tx, {
			orientationId: c.id,
			key: 'expired:members',
			kind: 'expired',
			recipients: await memberEmails(tx, c.structureId),
			...expiredMail({ ...base, link: inboxLink(c.structureId, c.id) })
		})
	];
}
