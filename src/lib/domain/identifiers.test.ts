import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	checkFreeText,
	findIdentifiers,
	identifierKinds,
	identifierMessage,
	isFinessKeyValid,
	isNir,
	type IdentifierKind
} from './identifiers';

/** The key of a 13-character NIR, computed independently (BigInt, Corsica as 19 / 18). */
function nirKey(body: string): string {
	const digits = body.toUpperCase().replace('2A', '19').replace('2B', '18');
	return String(97n - (BigInt(digits) % 97n)).padStart(2, '0');
}

const kinds = (text: string) => identifierKinds(text);

describe('direct identifiers in free text', () => {
	describe('e-mail addresses', () => {
		it.each([
			'écrire à jean.dupont@gmail.com demain',
			'Contact : Marie-Claire_Martin+aide@orange.fr',
			'fille : sophie.durand@laposte.net.',
			'adresse jean @ free.fr',
			'JEAN.DUPONT@WANADOO.FR',
			'josé.garcía@exemple.fr',
			'jean(at)gmail.com',
			'jean [at] gmail.com',
			'jean arobase gmail point com',
			'mail: a.b@sub.domaine.gouv.fr'
		])('finds one in « %s »', (text) => {
			expect(kinds(text)).toEqual(['email']);
		});

		it.each([
			'voir avec @CCAS demain',
			'rendez-vous à 14h @ la mairie',
			'le fils est joignable par courriel',
			'e-mail transmis à la structure'
		])('finds none in « %s »', (text) => {
			expect(kinds(text)).toEqual([]);
		});
	});

	describe('phone numbers', () => {
		it.each([
			'04 91 23 45 67',
			'04.91.23.45.67',
			'04-91-23-45-67',
			'0491234567',
			'Tél : 06 12 34 56 78, le soir',
			'portable 07\u00a012\u00a034\u00a056\u00a078',
			'+33 6 12 34 56 78',
			'+33612345678',
			'+33 (0)6 12 34 56 78',
			'+33 06 12 34 56 78',
			'0033 6 12 34 56 78',
			'0033612345678',
			'+33 4.91.23.45.67',
			'appeler le 09 70 12 34 56.'
		])('finds one in « %s »', (text) => {
			expect(kinds(text)).toEqual(['phone']);
		});

		it.each([
			'82 ans',
			'née le 12/03/2024',
			'le 01.03.2024 12 personnes',
			'le 01/02/2024 12 ans',
			'13004',
			'Marseille 13004',
			'FINESS 130001234',
			'FINESS 010001234',
			'SIRET 12345678901234',
			'SIRET 01234567890123',
			'4e arrondissement',
			'GIR 2, APA 450 €',
			'06 12 34 56',
			'de 09 h 00 à 12 h 00',
			'entre 10 et 12 passages par semaine, 3 à 4 heures'
		])('finds none in « %s »', (text) => {
			expect(kinds(text)).toEqual([]);
		});
	});

	describe('NIR (numéro de sécurité sociale)', () => {
		const body = '1841276451089';
		const nir = body + nirKey(body);

		it('checks the key: 97 − (number mod 97)', () => {
			expect(nirKey(body)).toBe('46');
			expect(isNir(nir)).toBe(true);
			expect(isNir(`${body}47`)).toBe(false);
			expect(isNir(`${body}00`)).toBe(false);
		});

		it('handles Corsica: 2A counts as 19, 2B as 18', () => {
			const a = '269052A004012';
			const b = '175092B004123';
			expect(isNir(a + nirKey(a))).toBe(true);
			expect(isNir(b + nirKey(b))).toBe(true);
			expect(isNir(`${a.toLowerCase()}${nirKey(a)}`)).toBe(true);
			// The key of the plain digits is not the key of the Corsican number.
			const plain = String(97n - (BigInt(a.replace('2A', '20')) % 97n)).padStart(2, '0');
			if (plain !== nirKey(a)) expect(isNir(a + plain)).toBe(false);
			// A or B outside the département is no NIR.
			expect(isNir('1A4127645108946')).toBe(false);
		});

		it('refuses impossible shapes: sex digit, month', () => {
			const withSex = (sex: string) => sex + body.slice(1);
			expect(isNir(withSex('5') + nirKey(withSex('5')))).toBe(false);
			const month13 = '1841376451089';
			expect(isNir(month13 + nirKey(month13))).toBe(false);
			const unknownMonth = '1843076451089';
			expect(isNir(unknownMonth + nirKey(unknownMonth))).toBe(true);
		});

		it.each([
			'NIR 184127645108946',
			'n° sécu : 1 84 12 76 451 089 46',
			'1.84.12.76.451.089.46',
			'1 84 12 76 451 089 46 (carte vitale)',
			'2 69 05 2A 004 012 28',
			'2 69 05 2a 004 012 28',
			'1 75 09 2B 004 123 55',
			'2 92 03 971 23 456 24'
		])('finds one in « %s »', (text) => {
			expect(kinds(text)).toEqual(['nir']);
		});

		it('never reports a NIR as a phone number too', () => {
			expect(findIdentifiers('sécu 2 01 05 13 055 123 ' + nirKey('2010513055123'))).toEqual([
				expect.objectContaining({ kind: 'nir' })
			]);
		});

		it.each([
			'184127645108947',
			'1 84 12 76 451 089 47',
			'FINESS 130001234, SIRET 12345678901234',
			'numéro de dossier 123456789012345'
		])('finds none in « %s » (the key does not check)', (text) => {
			expect(kinds(text)).toEqual([]);
		});

		it('finds every valid NIR and keeps random 15-digit numbers mostly out (property)', () => {
			fc.assert(
				fc.property(
					fc.constantFrom('1', '2'),
					fc.integer({ min: 0, max: 99 }),
					fc.integer({ min: 1, max: 12 }),
					fc.integer({ min: 1, max: 95 }),
					fc.integer({ min: 1, max: 999 }),
					fc.integer({ min: 1, max: 999 }),
					(sex, year, month, dep, commune, order) => {
						const pad = (n: number, w: number) => String(n).padStart(w, '0');
						const b = `${sex}${pad(year, 2)}${pad(month, 2)}${pad(dep, 2)}${pad(commune, 3)}${pad(order, 3)}`;
						const key = nirKey(b);
						expect(isNir(b + key)).toBe(true);
						const spaced = `${sex} ${pad(year, 2)} ${pad(month, 2)} ${pad(dep, 2)} ${pad(commune, 3)} ${pad(order, 3)} ${key}`;
						expect(kinds(`numéro : ${spaced}.`)).toEqual(['nir']);
						const wrong = pad((Number(key) % 97) + 1, 2);
						expect(isNir(b + wrong)).toBe(false);
					}
				)
			);
		});
	});

	describe('postal addresses', () => {
		it.each([
			'habite au 12 rue de la République',
			'12, rue Sainte',
			'12 RUE DE LA PAIX',
			'3 bis avenue du Prado',
			'3bis avenue du Prado',
			'45 av. Foch',
			'45 av Foch',
			'8 boulevard National',
			'8 bd National',
			'8 Bd. Baille',
			'2 chemin des Grives',
			'5 allée des Pins',
			'5 allee des Pins',
			'14 impasse Bel-Air',
			'1 quai du Port',
			'7 traverse de la Martine',
			'9 montée des Accoules',
			'3 place de la Joliette',
			'3 pl. Castellane',
			'12 cours Julien',
			'2 route de Gémenos',
			'4 square Stalingrad',
			'6 résidence Les Oliviers',
			'10 cité Bellevue',
			'122 faubourg Saint-Honoré'
		])('finds one in « %s »', (text) => {
			expect(kinds(text)).toEqual(['address']);
		});

		it.each([
			'82 ans',
			'4e arrondissement',
			'13004',
			'13004 Marseille',
			'il reste 2 places en accueil de jour',
			'1 place libre en accueil de jour',
			'elle suit 2 cours de dessin',
			'3 routes à traverser',
			'1 route départementale à traverser',
			'vit dans la rue depuis 2 ans',
			'habite rue de la République',
			'le 12 avril, chute',
			'2 importants retards de paiement',
			'passage 2 fois par semaine',
			'revoir dans 3 semaines, avec 2 aides',
			'5 rues plus loin',
			'Elle suit 2 cours. Elle aime le dessin.',
			'reste 1 place, Madame attend'
		])('finds none in « %s »', (text) => {
			expect(kinds(text)).toEqual([]);
		});
	});

	describe('finding and naming them', () => {
		it('finds nothing in an ordinary note', () => {
			for (const note of [
				'',
				'Rappeler le fils mardi matin.',
				'Voisine inquiète, passage prévu jeudi.',
				'Personne de 82 ans, GIR 3, vit seule au 2e étage sans ascenseur (Marseille 4e).',
				'Chute le 12/03/2024, hospitalisée 10 jours ; sortie prévue le 25.',
				'Orientée par le CCAS (FINESS 130001234). Dossier APA déposé en 2023.',
				'Aidante épuisée, demande de répit 2 jours par semaine.'
			]) {
				expect(findIdentifiers(note)).toEqual([]);
			}
		});

		it('gives where each one is, in order, without its value', () => {
			const text = 'Fille : 06 12 34 56 78 ou marie@exemple.fr, 12 rue Sainte.';
			const found = findIdentifiers(text);
			expect(found.map((f) => f.kind)).toEqual(['phone', 'email', 'address']);
			expect(found.map((f) => text.slice(f.index, f.index + f.length))).toEqual([
				'06 12 34 56 78',
				'marie@exemple.fr',
				'12 rue'
			]);
			for (const f of found) expect(Object.keys(f).sort()).toEqual(['index', 'kind', 'length']);
		});

		it('says what was found and what to do, naming the field', () => {
			expect(identifierMessage('la note', ['phone'])).toBe(
				'la note contient un numéro de téléphone : retirez-le, la structure le demandera à la personne'
			);
			expect(identifierMessage('la note', ['email'])).toBe(
				'la note contient une adresse e-mail : retirez-la, la structure la demandera à la personne'
			);
			expect(identifierMessage('le motif', ['address', 'phone'])).toBe(
				'le motif contient un numéro de téléphone et une adresse postale : retirez-les, la structure les demandera à la personne'
			);
			expect(
				identifierMessage('le motif', ['nir'], { advice: 'aucune coordonnée n’est gardée ici' })
			).toBe(
				'le motif contient un numéro de sécurité sociale (NIR) : retirez-le, aucune coordonnée n’est gardée ici'
			);
		});

		it('never repeats the value it found', () => {
			const values: Record<IdentifierKind, string> = {
				phone: '06 12 34 56 78',
				email: 'marie@exemple.fr',
				nir: '1 84 12 76 451 089 46',
				address: '12 rue Sainte'
			};
			for (const [kind, value] of Object.entries(values)) {
				const message = checkFreeText('la note', `Note : ${value}.`);
				expect(message, kind).not.toBeNull();
				expect(message).not.toContain(value);
				expect(message).not.toMatch(/\d{2}/);
			}
			expect(checkFreeText('la note', 'Rien de personnel.')).toBeNull();
		});
	});
});

describe('FINESS check digit', () => {
	// Real numbers of the register (extract of 8 January 2021), establishments and legal entities,
	// Corsica's included: the shared data files are not in a clone, so a sample is copied here.
	const REAL = [
		'130000235', // CHS Édouard Toulouse, Marseille
		'130780554',
		'130041916',
		'130806219',
		'010000024', // CH de Fleyriat, Viriat
		'560024341',
		'800020844',
		'970100012', // Polyclinique de la Guadeloupe
		'2A0002622', // USLD de Sartène
		'2A0002606',
		'2A0003331',
		'2A0000386',
		'2B0002489', // SSIAD Aiutu e Sulidarità
		'2B0000426',
		'2B0004089',
		'2B0000020'
	];

	it.each(REAL)('accepts the register’s %s', (finess) => {
		expect(isFinessKeyValid(finess)).toBe(true);
	});

	it('refuses every other key of those numbers', () => {
		for (const finess of REAL) {
			for (let key = 0; key <= 9; key++) {
				const other = finess.slice(0, 8) + String(key);
				expect(isFinessKeyValid(other)).toBe(other === finess);
			}
		}
	});

	it('catches a swap of two neighbouring digits, as Luhn does', () => {
		expect(isFinessKeyValid('130000235')).toBe(true);
		expect(isFinessKeyValid('310000235')).toBe(false);
		expect(isFinessKeyValid('130000253')).toBe(false);
	});

	it('reads Corsica’s letters as their rank, and only after a 2', () => {
		// 2A read as 20 would make this key 0: the register's number ends in 2.
		expect(isFinessKeyValid('2A0002622')).toBe(true);
		expect(isFinessKeyValid('2A0002620')).toBe(false);
		expect(isFinessKeyValid('2a0002622')).toBe(true);
		expect(isFinessKeyValid('1A0002622')).toBe(false);
		expect(isFinessKeyValid('2C0002622')).toBe(false);
	});

	it('refuses what is not 9 characters', () => {
		for (const value of ['', '13000023', '1300002350', '13000023A', ' 130000235']) {
			expect(isFinessKeyValid(value)).toBe(false);
		}
	});
});
