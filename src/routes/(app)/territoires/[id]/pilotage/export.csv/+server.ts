import { error } from '@sveltejs/kit';
import { OUTCOMES, outcomeTable } from '$lib/domain/desk';
import { kindLabel, levelLabel, problemLabel } from '$lib/domain/taxonomy';
import { formatShortDate } from '$lib/format';
import { requestCaller } from '$lib/server/auth/principal';
import { peopleCsv } from '$lib/server/csv';
import { orErrorPage } from '$lib/server/forms';
import { EXPORT_LIMIT } from '$lib/server/services/bounds';
import { reasonLabel } from '$lib/schemas/orientation';
import {
	answerTimes,
	capacity,
	expiredOrientations,
	flows,
	monthlyOutcomes,
	orphanSituations,
	overlaps,
	refusalReasons,
	staleStructures,
	waitingLists
} from '$lib/server/services/pilotage';
import { readPeriod } from '../period';
import type { RequestHandler } from './$types';

const shown = (n: number | null) => (n === null ? '< 5' : n);
/**
 * A rate or a number of hours as a French spreadsheet reads it: a decimal comma (« 0,4 »), no
 * thousands separator; empty when not shown. A point would make it text, or a date.
 */
const decimal = (x: number | null) =>
	x === null ? '' : x.toLocaleString('fr-FR', { maximumFractionDigits: 3, useGrouping: false });

/**
 * Every dashboard of the desk as CSV, for concertation meetings (`?tableau=` and the period): each
 * table whole, up to EXPORT_LIMIT lines.
 */
export const GET: RequestHandler = (event) => orErrorPage(() => exportTable(event));

async function exportTable({
	locals,
	params,
	url,
	getClientAddress
}: Parameters<RequestHandler>[0]): Promise<Response> {
	const caller = requestCaller({ locals, getClientAddress });
	const all = { limit: EXPORT_LIMIT };
	const { period, du, au } = readPeriod(url.searchParams);
	const table = url.searchParams.get('tableau') ?? '';
	let header: string[];
	let rows: (string | number | null)[][];
	switch (table) {
		case 'orphelines': {
			const o = await orphanSituations(locals.db, caller, params.id, period, all);
			header = ['probleme', 'niveau', 'commune', 'orientations_orphelines'];
			rows = o.byCell.map((r) => [
				problemLabel(r.problem),
				levelLabel(r.level),
				r.commune,
				shown(r.count)
			]);
			break;
		}
		case 'issues': {
			const o = await monthlyOutcomes(locals.db, caller, params.id, period);
			header = ['mois', ...OUTCOMES.map((x) => x.label)];
			rows = outcomeTable(o.months, o.items).map((line) => [line.label, ...line.counts.map(shown)]);
			break;
		}
		case 'trous': {
			const o = await orphanSituations(locals.db, caller, params.id, period, all);
			header = ['probleme', 'niveau', 'demandes', 'orphelines'];
			rows = o.gaps.map((g) => [
				problemLabel(g.problem),
				levelLabel(g.level),
				shown(g.requests),
				shown(g.orphans)
			]);
			break;
		}
		case 'chevauchements': {
			const pairs = await overlaps(locals.db, caller, params.id, period, EXPORT_LIMIT);
			header = [
				'structure_a',
				'structure_b',
				'cases',
				'communes',
				'surface',
				'orientations_a',
				'orientations_b',
				'regle_de_fait'
			];
			rows = pairs.map((p) => [
				p.nameA,
				p.nameB,
				p.cells.length,
				p.places.length,
				p.surface,
				shown(p.toA),
				shown(p.toB),
				p.defacto ?? ''
			]);
			break;
		}
		case 'flux': {
			const f = await flows(locals.db, caller, params.id, period, all);
			header = [
				'structure',
				'orientations',
				'taux_acceptation',
				'taux_refus',
				'delai_median_heures'
			];
			rows = f.outcomes.map((o) => [
				o.name,
				shown(o.sent),
				decimal(o.acceptedRate),
				decimal(o.refusedRate),
				decimal(o.medianHours)
			]);
			break;
		}
		case 'capacite': {
			const c = await capacity(locals.db, caller, params.id, all);
			header = ['structure', 'file_active', 'maximum', 'taux', 'sature'];
			rows = c.items.map((s) => [
				s.name,
				s.current,
				s.max,
				decimal(s.share),
				s.saturated ? 'oui' : 'non'
			]);
			break;
		}
		case 'fraicheur': {
			const stale = await staleStructures(locals.db, caller, params.id, all);
			header = ['structure', 'type', 'derniere_verification'];
			rows = stale.items.map((s) => [
				s.name,
				kindLabel(s.kind),
				s.updated_at === null ? 'jamais' : formatShortDate(s.updated_at)
			]);
			break;
		}
		case 'refus': {
			const r = await refusalReasons(locals.db, caller, params.id, period, all);
			header = ['structure', 'motif_code', 'motif', 'refus', 'part_des_reponses'];
			rows = r.items.map((x) => [
				x.name,
				x.reason_code ?? '',
				reasonLabel('refused', x.reason_code) ?? 'sans motif codé',
				shown(x.count),
				decimal(x.share)
			]);
			break;
		}
		case 'delais': {
			const d = await answerTimes(locals.db, caller, params.id, period, all);
			header = [
				'structure',
				'reponses',
				'delai_median_heures',
				'delai_90e_centile_heures',
				'par_la_structure',
				'relevees_par_l_agent'
			];
			// The territory's line first, as the page's total.
			rows = [{ name: 'Tout le territoire', ...d.overall }, ...d.items].map((x) => [
				x.name,
				shown(x.answered),
				decimal(x.medianHours),
				decimal(x.p90Hours),
				shown(x.byStructure),
				shown(x.byAgent)
			]);
			break;
		}
		case 'expirees': {
			const x = await expiredOrientations(locals.db, caller, params.id, period, all);
			header = ['structure', 'expirees', 'reorientees'];
			rows = x.items.map((r) => [r.name, shown(r.count), shown(r.reoriented)]);
			break;
		}
		case 'attente': {
			const w = await waitingLists(locals.db, caller, params.id, all);
			header = ['structure', 'en_attente', 'plus_longue_attente_jours'];
			rows = w.items.map((r) => [r.name, shown(r.count), r.oldestDays ?? '']);
			break;
		}
		default:
			error(
				400,
				'tableau : issues, orphelines, trous, chevauchements, flux, capacite, fraicheur, refus, delais, expirees ou attente'
			);
	}
	return new Response(peopleCsv(rows, header), {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="${table}-${params.id}-${du}-${au}.csv"`
		}
	});
}
