import { describe, expect, it } from 'vitest';
import {
	answerMail,
	expiredMail,
	finalReminderMail,
	formatFrenchDate,
	freshnessMail,
	INVITATION_SIGNATURE,
	invitationMail,
	newOrientationMail,
	reminderMail,
	SIGNATURE,
	unansweredMail,
	type MailText,
	type OrientationMailInput
} from './messages';

/** Two sets of inputs made of marker strings, so that what comes from them can be told apart. */
function markers(set: 'A' | 'B') {
	return {
		reference: `OR-2026-0004${set === 'A' ? '2' : '3'}`,
		structureName: `Structure ${set}XQZ`,
		territoryName: `Territoire ${set}WKV`,
		link: `https://bon-tiers.example.fr/orientations/${set}-7f3a`,
		statusLabel: `Statut ${set}JPM`,
		reasonLabel: `Motif ${set}HRT`
	};
}

const FIXED_DATE = new Date('2026-12-12T10:00:00Z');

type Marked = ReturnType<typeof markers>;

/** Each message, rendered from a set of markers. */
const MESSAGES: Record<string, (m: Marked) => MailText> = {
	newOrientationMail: (m) => newOrientationMail(m),
	reminderMail: (m) => reminderMail({ ...m, days: 10 }),
	finalReminderMail: (m) => finalReminderMail({ ...m, expiresOn: FIXED_DATE }),
	expiredMail: (m) => expiredMail(m),
	answerMail: (m) => answerMail(m),
	answerMailWithoutReason: (m) => answerMail({ ...m, reasonLabel: null }),
	unansweredMail: (m) => unansweredMail({ ...m, days: 10 }),
	invitationMail: (m) =>
		invitationMail({ structureName: m.structureName, link: m.link, expiresOn: FIXED_DATE }),
	freshnessMail: (m) =>
		freshnessMail({
			structureName: m.structureName,
			territoryName: m.territoryName,
			verifiedOn: '2024-03-01',
			link: m.link
		}),
	freshnessMailNeverVerified: (m) =>
		freshnessMail({
			structureName: m.structureName,
			territoryName: m.territoryName,
			verifiedOn: null,
			link: m.link
		})
};

/** Messages about no orientation: no reference, the signature without the person sentence. */
const ABOUT_NO_ORIENTATION = new Set([
	'invitationMail',
	'freshnessMail',
	'freshnessMailNeverVerified'
]);

/** The message with every input replaced by its name: what the code itself wrote. */
function template(mail: MailText, m: Marked): MailText {
	const strip = (text: string) =>
		Object.entries(m).reduce((t, [name, value]) => t.replaceAll(value, `{${name}}`), text);
	return { subject: strip(mail.subject), body: strip(mail.body) };
}

// Words that would describe the person, were any to slip into the fixed wording.
const PERSON_WORDS = new Set(
	(
		'âge ans né née naissance madame monsieur mme problème problèmes critère critères note apa ' +
		'handicap adresse téléphone commune domicile santé isolement'
	).split(' ')
);

function personWords(text: string): string[] {
	return text
		.toLowerCase()
		.split(/[^\p{L}\p{N}]+/u)
		.filter((word) => PERSON_WORDS.has(word));
}

describe('referral loop e-mails', () => {
	it.each(Object.keys(MESSAGES))('%s is made of its inputs and fixed wording only', (name) => {
		const render = MESSAGES[name]!;
		const a = markers('A');
		const b = markers('B');
		const mailA = render(a);
		const templateA = template(mailA, a);
		// Rendering other inputs changes the inputs' places and nothing else.
		expect(template(render(b), b)).toEqual(templateA);
		// Nothing of set A is left once its values are replaced: no other input got in.
		expect(JSON.stringify(templateA)).not.toMatch(/[A-Z]{3}|7f3a|0004[23]/);
		expect(personWords(`${templateA.subject} ${templateA.body}`)).toEqual([]);
		expect(mailA.body).toContain(a.link);
		expect(mailA.body).toContain(a.structureName);
		if (!ABOUT_NO_ORIENTATION.has(name)) {
			expect(mailA.subject).toContain(a.reference);
			expect(mailA.body).toContain(a.reference);
			expect(mailA.body.trimEnd().endsWith(SIGNATURE)).toBe(true);
		} else {
			expect(mailA.body.trimEnd().endsWith(INVITATION_SIGNATURE)).toBe(true);
		}
		// Plain text: no markup, and the link on a line of its own for mail clients to open it.
		expect(mailA.body).not.toMatch(/<[a-z]/i);
		expect(mailA.body.split('\n')).toContain(a.link);
		expect(mailA.subject).not.toContain('\n');
	});

	const input: OrientationMailInput = {
		reference: 'OR-2026-00042',
		structureName: 'CLIC du Vieux-Port',
		territoryName: 'Marseille 4-12',
		link: 'https://bon-tiers.example.fr/structures/s1/demandes/o1'
	};

	it('writes the subjects the referral loop announces', () => {
		expect(newOrientationMail(input).subject).toBe(
			'Nouvelle orientation OR-2026-00042 pour CLIC du Vieux-Port'
		);
		expect(reminderMail({ ...input, days: 10 }).subject).toBe(
			'Relance : orientation OR-2026-00042 sans réponse depuis 10 jours'
		);
		expect(reminderMail({ ...input, days: 1 }).subject).toBe(
			'Relance : orientation OR-2026-00042 sans réponse depuis 1 jour'
		);
		expect(finalReminderMail({ ...input, expiresOn: FIXED_DATE }).subject).toBe(
			'Dernière relance : l’orientation OR-2026-00042 expire le 12 décembre 2026'
		);
		expect(
			answerMail({
				...input,
				statusLabel: 'Refusée',
				reasonLabel: 'Hors de la zone d’intervention'
			}).subject
		).toBe(
			'OR-2026-00042 : CLIC du Vieux-Port a répondu — Refusée (Hors de la zone d’intervention)'
		);
		expect(answerMail({ ...input, statusLabel: 'Acceptée', reasonLabel: null }).subject).toBe(
			'OR-2026-00042 : CLIC du Vieux-Port a répondu — Acceptée'
		);
		expect(unansweredMail({ ...input, days: 12 }).subject).toBe(
			'OR-2026-00042 : CLIC du Vieux-Port n’a pas répondu depuis 12 jours — relancez-la'
		);
		expect(
			invitationMail({
				structureName: 'CLIC du Vieux-Port',
				link: input.link,
				expiresOn: FIXED_DATE
			}).subject
		).toBe('Vous êtes invité·e à répondre pour CLIC du Vieux-Port sur Bon Tiers');
	});

	it('asks a structure to check its information, with its last verification in French', () => {
		const mail = freshnessMail({
			structureName: 'CLIC du Vieux-Port',
			territoryName: 'Marseille 4-12',
			verifiedOn: '2024-03-01',
			link: 'https://bon-tiers.example.fr/structures/s1'
		});
		expect(mail.subject).toBe('Bon Tiers — vérifiez les informations de CLIC du Vieux-Port');
		expect(mail.body).toContain('vérifiées le 1 mars 2024');
		expect(mail.body).toContain('« Modifier la fiche »');
		expect(mail.body).toContain('« Les informations sont à jour »');
		expect(
			freshnessMail({
				structureName: 'CLIC du Vieux-Port',
				territoryName: 'Marseille 4-12',
				verifiedOn: null,
				link: 'https://bon-tiers.example.fr/structures/s1'
			}).body
		).toContain('jamais vérifiées');
	});

	it('writes dates in French, as the day in Europe/Paris', () => {
		expect(formatFrenchDate(new Date('2026-12-12T10:00:00Z'))).toBe('12 décembre 2026');
		// 23:30 UTC on 11 December is already the 12th in Paris (UTC+1 in winter)…
		expect(formatFrenchDate(new Date('2026-12-11T23:30:00Z'))).toBe('12 décembre 2026');
		// …and 22:30 UTC on 31 July is 1 August (UTC+2 in summer).
		expect(formatFrenchDate(new Date('2026-07-31T22:30:00Z'))).toBe('1 août 2026');
		expect(formatFrenchDate(new Date('2026-03-01T12:00:00Z'))).toBe('1 mars 2026');
		const invitation = invitationMail({
			structureName: 'CLIC du Vieux-Port',
			link: input.link,
			expiresOn: new Date('2026-12-11T23:30:00Z')
		});
		expect(invitation.body).toContain('jusqu’au 12 décembre 2026');
		expect(finalReminderMail({ ...input, expiresOn: FIXED_DATE }).body).toContain(
			'd’ici le 12 décembre 2026'
		);
	});
});
