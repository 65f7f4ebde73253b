import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The route tree as SvelteKit reads it from src/routes: every page (with its form actions) and
 * every `+server` endpoint (with its HTTP methods), keyed by SvelteKit route id — groups such as
 * `(app)` included, as `event.route.id` reports them. Read with the TypeScript compiler, not a
 * hand-kept list, so that a new route or action cannot escape the authorization test.
 */

export const ROUTES_DIR = fileURLToPath(new URL('../../../src/routes', import.meta.url));

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface DiscoveredRoute {
	/** SvelteKit route id, e.g. `/(app)/structures/[id]`. */
	id: string;
	/** Directory relative to src/routes, for messages. */
	dir: string;
	/** A page (`+page.svelte`, `+page.ts` or `+page.server.ts`): it answers GET. */
	page: boolean;
	/** The form actions of `+page.server.ts` (`default` for the default action). */
	actions: string[];
	/** The methods exported by `+server.ts` (`fallback` included as is). */
	methods: string[];
	/** Whether it is under /api/ (JSON errors, bearer tokens). */
	api: boolean;
}

function sourceOf(file: string): ts.SourceFile {
	return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function isExported(node: ts.Node): boolean {
	return (
		ts.canHaveModifiers(node) &&
		(ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
	);
}

/** The names a module exports: `export const|function|class X`, `export { a as X }`. */
export function exportedNames(source: ts.SourceFile): string[] {
	const names: string[] = [];
	for (const statement of source.statements) {
		if (ts.isVariableStatement(statement) && isExported(statement)) {
			for (const declaration of statement.declarationList.declarations) {
				if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
			}
		} else if (
			(ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
			isExported(statement) &&
			statement.name
		) {
			names.push(statement.name.text);
		} else if (
			ts.isExportDeclaration(statement) &&
			statement.exportClause &&
			ts.isNamedExports(statement.exportClause)
		) {
			for (const element of statement.exportClause.elements) names.push(element.name.text);
		}
	}
	return names;
}

/** Strips `satisfies`, `as`, parentheses around an expression. */
function unwrap(expression: ts.Expression): ts.Expression {
	let current = expression;
	while (
		ts.isSatisfiesExpression(current) ||
		ts.isAsExpression(current) ||
		ts.isParenthesizedExpression(current) ||
		ts.isTypeAssertionExpression(current)
	) {
		current = current.expression;
	}
	return current;
}

/**
 * The keys of `export const actions = { … }`. Anything the compiler cannot read statically (a
 * spread, a computed key, actions built elsewhere) throws: the test must not pass on a guess.
 */
export function actionNames(source: ts.SourceFile): string[] {
	for (const statement of source.statements) {
		if (!ts.isVariableStatement(statement) || !isExported(statement)) continue;
		for (const declaration of statement.declarationList.declarations) {
			if (!ts.isIdentifier(declaration.name) || declaration.name.text !== 'actions') continue;
			const value = declaration.initializer && unwrap(declaration.initializer);
			if (!value || !ts.isObjectLiteralExpression(value)) {
				throw new Error(`${source.fileName} : « actions » n’est pas un objet littéral`);
			}
			return value.properties.map((property) => {
				if (
					(ts.isPropertyAssignment(property) ||
						ts.isMethodDeclaration(property) ||
						ts.isShorthandPropertyAssignment(property)) &&
					(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
				) {
					return property.name.text;
				}
				throw new Error(
					`${source.fileName} : action illisible « ${property.getText(source)} » (clé calculée ou décomposition)`
				);
			});
		}
	}
	if (exportedNames(source).includes('actions')) {
		throw new Error(`${source.fileName} : « actions » exporté sous une forme non lue par le test`);
	}
	return [];
}

function routeIdOf(dir: string): string {
	const segments = dir.split(path.sep).filter(Boolean);
	return `/${segments.join('/')}`;
}

const PAGE_FILES = ['+page.svelte', '+page.ts', '+page.js', '+page.server.ts', '+page.server.js'];

/** Walks src/routes; routes sorted by id. */
export function discoverRoutes(root = ROUTES_DIR): DiscoveredRoute[] {
	const routes: DiscoveredRoute[] = [];
	const walk = (dir: string) => {
		const entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
		const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
		const page = PAGE_FILES.some((f) => files.has(f));
		const serverFile = ['+server.ts', '+server.js'].find((f) => files.has(f));
		const pageServer = ['+page.server.ts', '+page.server.js'].find((f) => files.has(f));
		if (page || serverFile) {
			const id = routeIdOf(dir);
			const methods = serverFile
				? exportedNames(sourceOf(path.join(root, dir, serverFile))).filter(
						(name) => (HTTP_METHODS as readonly string[]).includes(name) || name === 'fallback'
					)
				: [];
			routes.push({
				id,
				dir: dir || '.',
				page,
				actions: pageServer ? actionNames(sourceOf(path.join(root, dir, pageServer))) : [],
				methods,
				api: id.startsWith('/api/')
			});
		}
		for (const entry of entries) {
			if (entry.isDirectory()) walk(path.join(dir, entry.name));
		}
	};
	walk('');
	return routes.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The URL path of a route id: groups dropped, parameters filled by `param(name, routeId)`,
 * optional parameters left out.
 */
export function pathOf(routeId: string, param: (name: string, routeId: string) => string): string {
	const segments = routeId
		.split('/')
		.filter((s) => s && !/^\(.+\)$/.test(s))
		.flatMap((segment) => {
			if (/^\[\[.+\]\]$/.test(segment)) return [];
			return [
				segment.replace(/\[(?:\.\.\.)?([^\]=]+)(?:=[^\]]+)?\]/g, (_, name: string) =>
					encodeURIComponent(param(name, routeId))
				)
			];
		});
	return `/${segments.join('/')}`;
}
