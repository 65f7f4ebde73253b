/**
 * The referral loop's e-mails (contract §7), in French, as plain text. Pure: each message is made
 * of its inputs and fixed wording only. None of the inputs describes the person (no age, problem,
 * criterion, note, free-text reason): a mail may be read by anyone with access to a shared
 * mailbox, so it names the orientation by its reference and carries a link, and the person's
 * situation is read behind the sign-in (messages.test.ts checks that nothing else gets in).
 */

export interface MailText {
	subject: string;
	body: string;
}

/** What every orientation mail names: the orientation, where it is sent, and where to read it. */
export interface OrientationMailInput {
	/** `OR-2026-00042`. */
	reference: string;
	structureName: string;
	territoryName: string;
	/** The page to open (absolute URL). */
	link: string;
}

export const SIGNATURE =
	'— Bon Tiers, service de coordination territoriale. Ce message ne contient aucune information ' +
	'sur la personne : ouvrez le lien pour la consulter.';

/** The invitation names no orientation: the person sentence of {@link SIGNATURE} would not fit. */
export const INVITATION_SIGNATURE = '— Bon Tiers, service de coordination territoriale.';

const frenchDate = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'Europe/Paris',
	dateStyle: 'long'
});

/** `12 décembre 2026`, the day in Europe/Paris. */
export function formatFrenchDate(date: Date): string {
	return frenchDate.format(date);
}

function daysText(days: number): string {
	return `${days} jour${Math.abs(days) >= 2 ? 's' : ''}`;
}

function compose(paragraphs: string[], signature = SIGNATURE): string {
	return [...paragraphs, signature].join('\n\n') + '\n';
}

/** To the members of the structure an orientation names. */
export function newOrientationMail(input: OrientationMailInput): MailText {
	return {
		subject: `Nouvelle orientation ${input.reference} pour ${input.structureName}`,
		body: compose([
			'Bonjour,',
			`Une nouvelle orientation, ${input.reference}, a été adressée à ${input.structureName} ` +
				`(territoire ${input.territoryName}).`,
			`Pour la consulter et y répondre :\n${input.link}`
		])
	};
}

/** To the members, when the orientation is still unanswered after the territory's delay. */
export function reminderMail(input: OrientationMailInput & { days: number }): MailText {
	return {
		subject: `Relance : orientation ${input.reference} sans réponse depuis ${daysText(input.days)}`,
		body: compose([
			'Bonjour,',
			`L’orientation ${input.reference}, adressée à ${input.structureName} ` +
				`(territoire ${input.territoryName}), attend une réponse depuis ${daysText(input.days)}.`,
			`Pour la consulter et y répondre :\n${input.link}`
		])
	};
}

/** To the members, once more before the orientation expires. */
export function finalReminderMail(input: OrientationMailInput & { expiresOn: Date }): MailText {
	const expiresOn = formatFrenchDate(input.expiresOn);
	return {
		subject: `Dernière relance : l’orientation ${input.reference} expire le ${expiresOn}`,
		body: compose([
			'Bonjour,',
			`L’orientation ${input.reference}, adressée à ${input.structureName} ` +
				`(territoire ${input.territoryName}), est toujours sans réponse. ` +
				`Sans réponse d’ici le ${expiresOn}, elle expirera et la personne qui l’a adressée ` +
				'devra en chercher une autre.',
			`Pour la consulter et y répondre :\n${input.link}`
		])
	};
}

/** To the orienting agent and the members: no answer within the territory's delay. */
export function expiredMail(input: OrientationMailInput): MailText {
	return {
		subject: `L’orientation ${input.reference} vers ${input.structureName} a expiré sans réponse`,
		body: compose([
			'Bonjour,',
			`L’orientation ${input.reference}, adressée à ${input.structureName} ` +
				`(territoire ${input.territoryName}), n’a pas reçu de réponse dans le délai du ` +
				'territoire : elle est désormais expirée. Elle peut être réorientée vers une autre ' +
				'structure.',
			`Pour la consulter :\n${input.link}`
		])
	};
}

/**
 * To the orienting agent: the structure answered. A refusal's reason code label (« Hors de la
 * zone d’intervention ») says why the structure declines, nothing of the person; the free-text
 * reason may, so it is never an input here.
 */
export function answerMail(
	input: OrientationMailInput & { statusLabel: string; reasonLabel: string | null }
): MailText {
	const answer = input.reasonLabel
		? `${input.statusLabel} (${input.reasonLabel})`
		: input.statusLabel;
	return {
		subject: `${input.reference} : ${input.structureName} a répondu — ${answer}`,
		body: compose([
			'Bonjour,',
			`${input.structureName} (territoire ${input.territoryName}) a répondu à l’orientation ` +
				`${input.reference} : ${answer}.`,
			`Pour la consulter :\n${input.link}`
		])
	};
}

/** To the orienting agent, when the structure has no members to remind: the agent calls it. */
export function unansweredMail(input: OrientationMailInput & { days: number }): MailText {
	return {
		subject:
			`${input.reference} : ${input.structureName} n’a pas répondu depuis ` +
			`${daysText(input.days)} — relancez-la`,
		body: compose([
			'Bonjour,',
			`${input.structureName} (territoire ${input.territoryName}) n’a pas répondu à ` +
				`l’orientation ${input.reference} depuis ${daysText(input.days)}. Cette structure n’a ` +
				'pas de membre sur Bon Tiers : relancez-la directement, puis enregistrez sa réponse.',
			`Pour consulter l’orientation :\n${input.link}`
		])
	};
}

/** To a person invited as a member of a structure: a one-time sign-in link. */
export function invitationMail(input: {
	structureName: string;
	link: string;
	expiresOn: Date;
}): MailText {
	return {
		subject: `Vous êtes invité·e à répondre pour ${input.structureName} sur Bon Tiers`,
		body: compose(
			[
				'Bonjour,',
				`Vous êtes invité·e à recevoir et à répondre sur Bon Tiers aux orientations adressées ` +
					`à ${input.structureName}.`,
				`Pour activer votre compte et choisir votre mot de passe :\n${input.link}`,
				`Ce lien ne sert qu’une fois et vaut jusqu’au ${formatFrenchDate(input.expiresOn)}.`
			],
			INVITATION_SIGNATURE
		)
	};
}

/**
 * To the members of a structure a freshness campaign asks (issue 15): look at the structure's
 * page, then correct it or say it is right. Names the structure and its last verification, no
 * orientation and no person: the signature without the person sentence.
 */
export function freshnessMail(input: {
	structureName: string;
	territoryName: string;
	/** The last verification, a calendar day (`2024-03-01`); null: never verified. */
	verifiedOn: string | null;
	/** The structure's page (absolute URL). */
	link: string;
}): MailText {
	const verified = input.verifiedOn
		? `vérifiées le ${formatCalendarDay(input.verifiedOn)}`
		: 'jamais vérifiées';
	return {
		subject: `Bon Tiers — vérifiez les informations de ${input.structureName}`,
		body: compose(
			[
				'Bonjour,',
				`Le pilote du territoire ${input.territoryName} vous demande de vérifier les ` +
					`informations de ${input.structureName} dans l’annuaire de Bon Tiers : les ` +
					'orientations reposent sur ce qu’elle y déclare (missions, zone, public, contacts).',
				`Dernière vérification de ses informations : ${verified}.`,
				`Pour consulter sa fiche :\n${input.link}`,
				'Si quelque chose a changé, cliquez sur « Modifier la fiche » et corrigez-la. Si tout ' +
					'est exact, cliquez sur « Les informations sont à jour » : la fiche sera datée ' +
					'd’aujourd’hui.'
			],
			INVITATION_SIGNATURE
		)
	};
}

/** `1 mars 2024` for a calendar day: the day itself, never shifted by a time zone. */
function formatCalendarDay(day: string): string {
	return new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', dateStyle: 'long' }).format(
		new Date(`${day}T00:00:00Z`)
	);
}
