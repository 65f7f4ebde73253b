/**
 * Where a long structure import stands (issue 17): the import service reports it, the command
 * line prints it as lines, the import page as a bar. Pure: no DB, no Svelte.
 */

/**
 * `validation` counts the records checked, `structures` the structures written, `communes` the
 * (structure, place) pairs of their coverage written. Each phase runs from 0 to its total.
 */
export type ImportPhase = 'validation' | 'structures' | 'communes';

export interface ImportProgress {
	phase: ImportPhase;
	done: number;
	total: number;
}

export type ImportProgressListener = (progress: ImportProgress) => void;

/** French names of the phases, in the order the import runs them. */
export const IMPORT_PHASE_LABELS: Record<ImportPhase, string> = {
	validation: 'vérification',
	structures: 'structures',
	communes: 'communes couvertes'
};

const count = (n: number) => n.toLocaleString('fr-FR');

/** « structures : 12 000 / 34 392 » */
export function progressLine(progress: ImportProgress): string {
	return `${IMPORT_PHASE_LABELS[progress.phase]} : ${count(progress.done)} / ${count(progress.total)}`;
}

/**
 * A listener that passes on the first and last report of each phase and, in between, at most one
 * every `intervalMs`: a line a second, not one per batch.
 */
export function throttledProgress(
	listener: ImportProgressListener,
	intervalMs = 1_000,
	now: () => number = Date.now
): ImportProgressListener {
	let phase: ImportPhase | null = null;
	let last = -Infinity;
	return (progress) => {
		const t = now();
		const edge = progress.phase !== phase || progress.done === 0 || progress.done >= progress.total;
		if (!edge && t - last < intervalMs) return;
		phase = progress.phase;
		last = t;
		listener(progress);
	};
}
