import type { ProblemCode } from './taxonomy';

/**
 * How the engine ranks the structures that can take a request: one table of weights, each with
 * the rule of the field it encodes. Every weight is proved by its own table-driven test
 * (scoring.test.ts: two structures that differ by that factor alone differ by that weight), so
 * changing one is a decision, not an accident.
 *
 * Eligibility comes first and is not scored (recommendation.ts): a structure is recommended only
 * when it covers the place, accepts the person and takes one of the request's problems at the
 * request's level — the territory's agreed remits, as declared. Among those:
 *
 * 1. `dominant` — taking the **dominant problem** at that level is the agreed remit the request
 *    falls in: « il a fallu définir des règles d'orientation des personnes en fonction des
 *    "problématiques majeures" traitées par les différents services » (core study, seeds/002
 *    l. 89). It outweighs everything else together, so a structure with room taking the dominant
 *    problem always ranks above one that takes only another problem.
 * 2. `mission` — between structures that both declare the dominant problem at that level, the
 *    primary mission decides, in the direction the documents give: the coordination structures
 *    are the first door for information, assessment and follow-up — « elles facilitent, en
 *    premier lieu, la médiation entre les personnes et le système de santé, par l'information
 *    individualisée et l'orientation vers des services d'aide à domicile » (seeds/002 l. 63) —
 *    while a prestation « fait de la coordination sans que cela soit sa mission première »
 *    (l. 107). A request for a service itself (home nursing, a place in an institution once
 *    decided: request type `prestation`, or a dominant problem that is a service) goes to the
 *    service. It weighs more than any one specificity factor, so a GP declaring `medical` alone
 *    does not pass the health network for a medical problem to assess, nor one EHPAD the CLIC
 *    that « suit les situations correspondant à des projets d'institutionnalisation » (l. 89).
 * 3. Specificity — how specifically the structure declares the situation, the official remits
 *    giving « une première délimitation des champs d'intervention » (l. 89):
 *    `problems` (fewer problems declared, pro rata 1/n), `levels` (a narrower range of levels,
 *    1/span), `public` (each declared public rule the person meets — an age limit, APA or an MDPH
 *    notification required: a service built for this public). Problems weigh three times the
 *    levels: a structure that declares every problem is a generalist whatever its levels, while
 *    a narrow range often only says « the top levels » (a DAC at `coordonnee`–`complexe` is not
 *    more specific to a housing problem than the CCAS whose remit housing is).
 * 4. `secondary` — the request's other problems it also takes, pro rata.
 * 5. `treatment` — the mode fits the level: mass treatment for information and simple requests,
 *    tailor-made above (« traitement de masse vs. sur-mesure », l. 103).
 * 6. Capacity — a nearly full (`nearFull`) or full (`full`) active file costs points; a full
 *    service stays recommended, with a warning, so the agent can still call.
 *
 * A structure whose public rule cannot be checked (APA, disability or age unknown) is kept but
 * ranked after every structure that surely accepts the person (contract §3): that is an order,
 * not a weight, and lives in recommendation.ts with the territory's `prefer` rules.
 */
export const SCORE_WEIGHTS = {
	dominant: 0.5,
	mission: 0.2,
	problems: 0.09,
	levels: 0.03,
	/** Per public rule met (at most three: age, APA, disability). */
	public: 0.03,
	secondary: 0.06,
	treatment: 0.03,
	nearFull: 0.05,
	full: 0.2
} as const;

/** Share of the maximum caseload from which a service counts as nearly full. */
export const NEAR_FULL = 0.9;

/**
 * Problems whose very statement is a request for the service: « soins infirmiers à domicile » is
 * what a SSIAD delivers, while « projet d'entrée en établissement » is a project the CLIC
 * follows until a place is decided (then the request type says `prestation`).
 */
export const SERVICE_PROBLEMS: ReadonlySet<ProblemCode> = new Set<ProblemCode>(['soins_domicile']);

/** The most any structure can get besides the dominant problem: kept below `dominant`. */
export const MAX_BESIDES_DOMINANT =
	SCORE_WEIGHTS.mission +
	SCORE_WEIGHTS.problems +
	SCORE_WEIGHTS.levels +
	3 * SCORE_WEIGHTS.public +
	SCORE_WEIGHTS.secondary +
	SCORE_WEIGHTS.treatment;
