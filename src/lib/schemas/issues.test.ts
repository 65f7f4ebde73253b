import { describe, expect, it } from 'vitest';
import { issueAt } from './issues';

describe('issueAt', () => {
	it('joins the messages of a field and its sub-paths, and nothing else', () => {
		const issues = [
			{ path: 'problems', message: 'requis' },
			{ path: 'problems.1', message: 'inconnu' },
			{ path: 'problemsX', message: 'autre champ' }
		];
		expect(issueAt(issues, 'problems')).toBe('requis ; inconnu');
		expect(issueAt(issues, 'age')).toBe('');
		expect(issueAt(undefined, 'age')).toBe('');
	});
});
