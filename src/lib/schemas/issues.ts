import type { Issue } from './zod';

/**
 * The messages of the issues about one field (and its sub-paths: `problems` covers
 * `problems.1`), joined for display beside the field; empty when there are none.
 */
export function issueAt(issues: readonly Issue[] | null | undefined, path: string): string {
	return (issues ?? [])
		.filter((i) => i.path === path || i.path.startsWith(`${path}.`))
		.map((i) => i.message)
		.join(' ; ');
}
