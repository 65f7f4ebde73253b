import { and, eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { orientationEvents, orientations } from '$lib/server/db/schema';
import { hasRole } from '$lib/domain/roles';
import { GATE_CONDITIONS, caseManagementGate } from '$lib/domain/complexity';
import { systemCaller, type Caller } from '$lib/server/auth/principal';
import { deliverPending } from '$lib/server/mail/outbox';
import {
	FINAL_REMINDER_DAYS,
	NEXT_STATUSES,
	ReorientSchema,
	STATUS_LABELS,
	STRUCTURE_ANSWERS,
	StatusChangeSchema,
	reasonLabel,
	type Admission,
	type OrientationStatus
} from '$lib/schemas/orientation';
import type { ProblemCode, CriterionCode } from '$lib/domain/taxonomy';
import { issuesOf } from '$lib/schemas/zod';
import { audit } from './audit';
import {
	OrientationError,
	UNKNOWN_FIELD,
	answerRequest,
	createOrientation,
	getOrientationRequest,
	loadOrientation,
	previousOrientation,
	type CreatedOrientation,
	type OrientationDetail
} from './orientations';
import { queueAnswer, queueExpiry, queueReminder } from './referral-mail';
import { caseloadOf } from './caseload';

/**
 * The referral loop (contract §7): a structure answers the orientations sent to it, the instance
 * reminds it and lets unanswered ones expire, the agent re-orients what was refused or expired.
 */

const invalid = (path: string, message: string) =>
	new OrientationError(422, 'Valeurs invalides.', [{ path, message }]);

/** « l’orientation OR-2026-00042 est clôturée : … », for a change its status does not allow. */
function transitionMessage(reference: string, from: OrientationStatus, to: OrientationStatus) {
	const now = `l’orientation ${reference} est « ${STATUS_LABELS[from]} »`;
	if (from === to) return `${now} : elle l’est déjà`;
	if (to === 'expired')
		return `${now} : seule l’instance la fait expirer, après le délai du territoire`;
	const allowed = NEXT_STATUSES[from].filter((s) => s !== 'expired');
	if (allowed.length === 0)
		return from === 'refused' || from === 'expired'
			? `${now} : son statut ne change plus (réorientez-la)`
			: `${now} : son statut ne change plus`;
	const list = allowed.map((s) => `« ${STATUS_LABELS[s]} »`).join(' ou ');
	return `${now} : elle ne peut pas devenir « ${STATUS_LABELS[to]} » (seulement ${list})`;
}

/** Whether the caller is an agent (or above) of the orientation's territory. */
function agentOf(caller: Caller, o: OrientationDetail): boolean {
	const scope = caller.principal.territories;
	return (
		hasRole(caller.principal.role, 'agent') &&
		(scope === null || (o.territoryId !== null && scope.includes(o.territoryId)))
	);
}

/**
 * Who gives this status, and as whom: `true` when the structure answers itself, `false` when the
 * orienting side records it. The structure's answers (accept, refuse, waiting list) are its
 * members' when it has any: an agent cannot answer for it (contract §7); without members, the
 * agent records what the structure said, and the record says so. Closing is either side's.
 */
function answeringSide(caller: Caller, o: OrientationDetail, next: OrientationStatus): boolean {
	const name = o.structure?.name ?? 'la structure';
	if ((STRUCTURE_ANSWERS as readonly string[]).includes(next)) {
		if (o.answersForStructure) return true;
		if (o.structureHasMembers) {
			throw new OrientationError(
				403,
				`${name} a des membres sur Bon Tiers : c’est à eux de répondre, depuis leurs demandes reçues`
			);
		}
		if (agentOf(caller, o)) return false;
	} else if (next === 'closed') {
		if (o.answersForStructure) return true;
		if (agentOf(caller, o)) return false;
	}
	throw new OrientationError(403, `Vous ne pouvez pas répondre pour ${name}`);
}

/**
 * A case-management service's admission decision (contract §7): the three MAIA conditions as it
 * judges them, else as the request gives them (and recorded so). Admitting (or waiting-listing)
 * without all three needs a reason — the service's own derogation, as the agent's override
 * needed one; a service that is full puts the situation on its waiting list.
 */
async function admissionOf(
	db: Db,
	o: OrientationDetail,
	next: OrientationStatus,
	given: Admission | undefined,
	reason: string | undefined
) {
	const caseManagement = o.structure?.kind === 'gestion_cas';
	if (!caseManagement || !['accepted', 'waitlisted', 'refused'].includes(next)) {
		if (given) {
			throw invalid(
				'admission',
				'une décision d’admission n’est donnée que par un service de gestion de cas, pour accepter, mettre en attente ou refuser'
			);
		}
		return null;
	}
	const fromRequest = given === undefined;
	const conditions =
		given ??
		caseManagementGate(o.problems, o.criteria as CriterionCode[]).conditions.reduce(
			(acc, c) => ({ ...acc, [c.code]: c.met }),
			{} as Admission
		);
	const missing = GATE_CONDITIONS.filter((c) => !conditions[c.code]);
	if (next !== 'refused' && missing.length > 0 && reason === undefined) {
		throw invalid(
			'admission',
			`conditions d’entrée en gestion de cas non réunies : ${missing
				.map((c) => c.label)
				.join(' ; ')} — motivez l’admission, ou refusez (hors des missions)`
		);
	}
	if (next === 'accepted' && o.structure) {
		const load = await caseloadOf(db, o.structure.id);
		if (load.max !== null && load.current !== null && load.current >= load.max) {
			throw invalid(
				'status',
				`file active complète (${load.current} sur ${load.max}) : mettez la situation en liste d’attente`
			);
		}
	}
	return { ...conditions, from_request: fromRequest };
}

/**
 * Moves an orientation (named by its id or reference) along the referral loop (contract §7):
 * the structure answers (its members, or the agent recording what a structure without members
 * said), either side closes. Checked against the status it was read with; audited and its mail
 * queued in the same transaction; the mail delivered after the commit.
 */
export async function changeStatus(
	db: Db,
	caller: Caller,
	idOrReference: string,
	input: unknown,
	now = new Date()
): Promise<OrientationDetail> {
	const parsed = StatusChangeSchema.safeParse(input);
	if (!parsed.success) {
		throw new OrientationError(422, 'Valeurs invalides.', issuesOf(parsed.error, UNKNOWN_FIELD));
	}
	const change = parsed.data;
	const current = await loadOrientation(db, caller.principal, idOrReference, now);
	if (!current) {
		// Logged like a refused read: probing ids outside one's territories leaves a trace.
		await audit(db, {
			actor: caller.principal,
			action: 'orientation.status',
			outcome: 'denied',
			target: { type: 'orientation', id: idOrReference },
			ip: caller.ip,
			details: { to: change.status }
		});
		throw new OrientationError(404, `Orientation introuvable : ${idOrReference}`);
	}
	const next = change.status;
	if (next === 'expired' || !NEXT_STATUSES[current.status].includes(next)) {
		throw invalid('status', transitionMessage(current.reference, current.status, next));
	}
	let byStructure: boolean;
	try {
		byStructure = answeringSide(caller, current, next);
	} catch (error) {
		await audit(db, {
			actor: caller.principal,
			action: 'orientation.status',
			outcome: 'denied',
			target: { type: 'orientation', id: current.id },
			territoryId: current.territoryId,
			ip: caller.ip,
			details: { reference: current.reference, to: next }
		});
		throw error;
	}
	const admission = await admissionOf(db, current, next, change.admission, change.reason);
	const mails: number[] = [];
	// The change applies only to the status it was checked against: of two answers crossing (the
	// structure accepts while the agent closes), the second finds the status moved and is told
	// so, instead of writing a transition NEXT_STATUSES does not allow.
	const applied = await db.transaction(async (tx) => {
		const moved = await tx
			.update(orientations)
			.set({ status: next, statusChangedAt: now })
			.where(and(eq(orientations.id, current.id), eq(orientations.status, current.status)))
			.returning({ id: orientations.id });
		if (moved.length === 0) return false;
		await tx.insert(orientationEvents).values({
			orientationId: current.id,
			status: next,
			reasonCode: change.reason_code ?? null,
			reason: change.reason ?? null,
			at: now,
			actorId: caller.principal.id,
			byStructure,
			admission
		});
		await audit(tx, {
			actor: caller.principal,
			action: 'orientation.status',
			outcome: 'success',
			target: { type: 'orientation', id: current.id },
			territoryId: current.territoryId,
			ip: caller.ip,
			details: {
				reference: current.reference,
				from: current.status,
				to: next,
				reason_code: change.reason_code ?? null,
				by_structure: byStructure
			}
		});
		if (byStructure) {
			const id = await queueAnswer(
				tx,
				current.id,
				next,
				STATUS_LABELS[next],
				reasonLabel(next, change.reason_code ?? null)
			);
			if (id !== null) mails.push(id);
		}
		return true;
	});
	if (!applied) {
		const moved = await loadOrientation(db, caller.principal, current.id, now);
		throw invalid(
			'status',
			transitionMessage(current.reference, moved?.status ?? current.status, next)
		);
	}
	if (mails.length > 0) await deliverPending(db, { ids: mails });
	return (await loadOrientation(db, caller.principal, current.id, now)) as OrientationDetail;
}

/**
 * Re-orients a refused or expired orientation (contract §7, `POST …/reorient`): a new
 * orientation of the same request, the structure that refused (or let it expire) left out and
 * named among the exclusions, linked both ways to the first. `structure` absent: the first
 * recommendation of the new answer (none: the situation is recorded as orphan). The person's
 * consent is the first orientation's: the request is the same.
 */
export async function reorient(
	db: Db,
	caller: Caller,
	idOrReference: string,
	input: unknown,
	today = new Date()
): Promise<CreatedOrientation> {
	if (!hasRole(caller.principal.role, 'agent')) {
		throw new OrientationError(403, 'Réorienter est réservé aux agents du guichet intégré');
	}
	const parsed = ReorientSchema.safeParse(input ?? {});
	if (!parsed.success) {
		throw new OrientationError(422, 'Valeurs invalides.', issuesOf(parsed.error, UNKNOWN_FIELD));
	}
	const stored = await getOrientationRequest(db, caller, idOrReference);
	if (!stored) throw new OrientationError(404, `Orientation introuvable : ${idOrReference}`);
	const previous = await previousOrientation(db, caller, stored.id);
	const detail = (await loadOrientation(db, caller.principal, stored.id)) as OrientationDetail;
	const request = {
		territory: stored.territory,
		commune: stored.commune,
		age: stored.age,
		apa: stored.apa,
		handicap: stored.handicap,
		problems: stored.problems as ProblemCode[],
		criteria: stored.criteria,
		request_type: stored.request_type,
		level: stored.level,
		...(stored.level_reason ? { level_reason: stored.level_reason } : {}),
		...(stored.case_management_reason
			? { case_management_reason: stored.case_management_reason }
			: {}),
		consent: detail.consent
	};
	let structure = parsed.data.structure;
	if (structure === undefined) {
		const answer = await answerRequest(
			db,
			caller,
			{ ...request, location: undefined, level: request.level ?? null },
			today,
			previous.leftOut
		);
		structure = answer.result.recommendations[0]?.structure.id ?? null;
	}
	return createOrientation(
		db,
		caller,
		{ ...request, structure, ...(parsed.data.note ? { note: parsed.data.note } : {}) },
		today,
		{ previous: previous.id }
	);
}

/** What the referral job did: reminders queued, orientations expired, mails delivered. */
export interface ReferralJobResult {
	reminders: number;
	finalReminders: number;
	expired: number;
	mail: { sent: number; logged: number; failed: number };
}

/**
 * The daily job (contract §7): an orientation `sent` and unanswered is reminded after its
 * territory's reminder delay, once more FINAL_REMINDER_DAYS before its expiry delay, and expires
 * at that delay (the agent and the members are told). Each message has its key, so running the
 * job twice — or on two servers — sends each once; then every pending mail is delivered
 * (including those a failed delivery left behind). `now` is the job's clock (tests set it).
 */
export async function runReferralJobs(
	db: Db,
	now = new Date(),
	caller: Caller = systemCaller('referral-job')
): Promise<ReferralJobResult> {
	const due = await queryRows<{
		id: string;
		reference: string;
		territory_id: string | null;
		sent_at: string | Date;
		reminder_days: number;
		expiry_days: number;
	}>(
		db,
		sql`select o.id, o.reference, o.territory_id, o.status_changed_at as sent_at,
				coalesce(t.reminder_days, 10) as reminder_days, coalesce(t.expiry_days, 30) as expiry_days
			from orientations o
			left join territories t on t.id = o.territory_id
			where o.status = 'sent' and o.structure_id is not null
				and o.status_changed_at <= ${now.toISOString()}::timestamptz
					- make_interval(days => least(coalesce(t.reminder_days, 10), coalesce(t.expiry_days, 30)))
			order by o.status_changed_at`
	);
	const result: ReferralJobResult = {
		reminders: 0,
		finalReminders: 0,
		expired: 0,
		mail: { sent: 0, logged: 0, failed: 0 }
	};
	for (const o of due) {
		const sentAt = new Date(o.sent_at);
		const days = Math.floor((now.getTime() - sentAt.getTime()) / 86_400_000);
		const expiresOn = new Date(sentAt.getTime() + o.expiry_days * 86_400_000);
		if (days >= o.expiry_days) {
			const expired = await db.transaction(async (tx) => {
				const moved = await tx
					.update(orientations)
					.set({ status: 'expired', statusChangedAt: now })
					.where(and(eq(orientations.id, o.id), eq(orientations.status, 'sent')))
					.returning({ id: orientations.id });
				if (moved.length === 0) return false;
				await tx.insert(orientationEvents).values({
					orientationId: o.id,
					status: 'expired',
					reason: `sans réponse après ${o.expiry_days} jours`,
					at: now,
					actorId: caller.principal.id
				});
				await audit(tx, {
					actor: caller.principal,
					action: 'orientation.status',
					outcome: 'success',
					target: { type: 'orientation', id: o.id },
					territoryId: o.territory_id,
					ip: caller.ip,
					details: { reference: o.reference, from: 'sent', to: 'expired', days }
				});
				await queueExpiry(tx, o.id);
				return true;
			});
			if (expired) result.expired++;
		} else if (days >= o.expiry_days - FINAL_REMINDER_DAYS && days > o.reminder_days) {
			if ((await queueReminder(db, o.id, 'final_reminder', days, expiresOn)) !== null)
				result.finalReminders++;
		} else if (days >= o.reminder_days) {
			if ((await queueReminder(db, o.id, 'reminder', days, expiresOn)) !== null) result.reminders++;
		}
	}
	result.mail = await deliverPending(db, { now });
	return result;
}
