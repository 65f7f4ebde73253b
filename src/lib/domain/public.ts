/** How a structure's public (age limits, APA and disability rules) reads in French. */
export interface PublicRules {
	ageMin: number | null;
	ageMax: number | null;
	apa: string;
	handicap?: string;
}

/**
 * Whether a yes/no public rule (APA, a recognised disability) accepts a person of that status:
 * true, false, or null when the status is unknown and the rule is not `any`.
 */
export function ruleAccepts(
	rule: 'any' | 'required' | 'excluded',
	status: boolean | null | undefined
): boolean | null {
	if (rule === 'any') return true;
	if (status === null || status === undefined) return null;
	return rule === 'required' ? status : !status;
}

export function ageSummary({ ageMin, ageMax }: Pick<PublicRules, 'ageMin' | 'ageMax'>): string {
	if (ageMin !== null && ageMax !== null) return `de ${ageMin} à ${ageMax} ans`;
	if (ageMin !== null) return `${ageMin} ans et plus`;
	if (ageMax !== null) return `jusqu’à ${ageMax} ans`;
	return 'tout âge';
}

export function apaSummary(apa: string): string | null {
	if (apa === 'required') return 'bénéficiaires de l’APA uniquement';
	if (apa === 'excluded') return 'hors bénéficiaires de l’APA';
	return null;
}

export function handicapSummary(handicap: string | undefined): string | null {
	if (handicap === 'required') return 'handicap reconnu (notification MDPH) uniquement';
	if (handicap === 'excluded') return 'hors personnes au handicap reconnu';
	return null;
}

export function publicSummary(rules: PublicRules): string {
	const parts = [ageSummary(rules), apaSummary(rules.apa), handicapSummary(rules.handicap)].filter(
		(p): p is string => p !== null
	);
	const text = parts.join(', ');
	return text.charAt(0).toUpperCase() + text.slice(1);
}
