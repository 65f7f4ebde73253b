/**
 * fast-check arbitraries drawn from a JSON Schema (the OpenAPI document's, generated from the zod
 * schemas of the endpoint table), and mutations that make a value malformed: a missing field, an
 * extra one, a wrong type, a NUL character, a huge number. For the generated-request tests: the
 * values follow the schema closely enough to reach the handlers, and the mutations probe what
 * lies beyond it.
 */
import fc from 'fast-check';

export type JsonSchema = {
	type?: string | string[];
	enum?: unknown[];
	const?: unknown;
	anyOf?: JsonSchema[];
	oneOf?: JsonSchema[];
	allOf?: JsonSchema[];
	properties?: Record<string, JsonSchema>;
	required?: string[];
	items?: JsonSchema;
	prefixItems?: JsonSchema[];
	minItems?: number;
	maxItems?: number;
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	maximum?: number;
	exclusiveMinimum?: number;
	exclusiveMaximum?: number;
	pattern?: string;
	format?: string;
	[key: string]: unknown;
};

/** Strings that are not what any field expects: empty, blank, long, odd characters. */
const oddString = fc.oneof(
	fc.constantFrom(
		'',
		' ',
		'null',
		'0',
		'-1',
		'true',
		'<script>',
		"'; DROP TABLE x;--",
		'é'.repeat(300)
	),
	fc.string({ maxLength: 20, unit: 'binary' })
);

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
	switch (schema.format) {
		case 'email':
			return fc.emailAddress();
		case 'uri':
			return fc.webUrl();
		case 'date':
			return fc
				.date({ min: new Date('2000-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
				.map((d) => d.toISOString().slice(0, 10));
		case 'date-time':
			return fc
				.date({ min: new Date('2000-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
				.map((d) => d.toISOString());
	}
	if (schema.pattern) {
		try {
			return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= 100);
		} catch {
			// A pattern fast-check cannot read: any string.
		}
	}
	return fc.string({
		minLength: schema.minLength ?? 0,
		maxLength: Math.min(schema.maxLength ?? 30, 30)
	});
}

/** An integer in [min, max], whatever their size (fc.integer stops at 32 bits). */
function integerIn(min: number, max: number): fc.Arbitrary<number> {
	const lo = Math.ceil(min);
	const hi = Math.floor(max);
	if (lo >= -(2 ** 31) && hi <= 2 ** 31 - 1) return fc.integer({ min: lo, max: hi });
	return fc.bigInt({ min: BigInt(lo), max: BigInt(hi) }).map(Number);
}

function numberOf(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
	const min = schema.minimum ?? schema.exclusiveMinimum ?? -Number.MAX_SAFE_INTEGER;
	const max = schema.maximum ?? schema.exclusiveMaximum ?? Number.MAX_SAFE_INTEGER;
	// The bounds themselves, where the database's own limits hide (an `integer` column holds
	// 2^31 - 1 at most), as well as values in between and small ones.
	const bounds = fc.constantFrom(
		...[min, max, 0, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1].filter((n) => n >= min && n <= max)
	);
	const between = integer
		? integerIn(min, max)
		: fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
	const small = integer
		? integerIn(Math.max(min, -1000), Math.min(max, 1000))
		: fc.double({ min: Math.max(min, -1000), max: Math.min(max, 1000), noNaN: true });
	return fc.oneof(small, bounds, between).map((n) => (integer ? Math.trunc(n) : n));
}

/** An arbitrary of (mostly) valid values of the schema; `{}` (anything) gives any JSON value. */
export function arbitraryOf(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
	if (schema.const !== undefined) return fc.constant(schema.const);
	if (schema.enum) return fc.constantFrom(...schema.enum);
	const alternatives = schema.anyOf ?? schema.oneOf;
	if (alternatives) return fc.oneof(...alternatives.map((s) => arbitraryOf(s, depth)));
	if (schema.allOf?.[0]) return arbitraryOf(schema.allOf[0], depth);
	const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
	if (types.length > 1)
		return fc.oneof(...types.map((type) => arbitraryOf({ ...schema, type }, depth)));
	switch (types[0]) {
		case 'string':
			return stringOf(schema);
		case 'integer':
			return numberOf(schema, true);
		case 'number':
			return numberOf(schema, false);
		case 'boolean':
			return fc.boolean();
		case 'null':
			return fc.constant(null);
		case 'array': {
			if (schema.prefixItems) {
				return fc.tuple(...schema.prefixItems.map((s) => arbitraryOf(s, depth + 1)));
			}
			const minLength = schema.minItems ?? 0;
			if (depth > 4) return fc.constant([]);
			return fc.array(arbitraryOf(schema.items ?? {}, depth + 1), {
				minLength,
				maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, 3))
			});
		}
		case 'object': {
			const properties = schema.properties ?? {};
			const record = Object.fromEntries(
				Object.entries(properties).map(([key, s]) => [key, arbitraryOf(s, depth + 1)])
			);
			return fc.record(record, {
				requiredKeys: (schema.required ?? []).filter((k) => k in properties)
			});
		}
	}
	return fc.jsonValue({ maxDepth: 2 });
}

/** The paths of the leaves of a JSON value (`[]` for the value itself when it is one). */
export function leaves(value: unknown, path: string[] = []): string[][] {
	if (Array.isArray(value)) {
		return value.length === 0 ? [path] : value.flatMap((v, i) => leaves(v, [...path, String(i)]));
	}
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value);
		return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => leaves(v, [...path, k]));
	}
	return [path];
}

function clone<T>(value: T): T {
	return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The value with the thing at `path` replaced (`undefined`: removed). */
export function setAt(value: unknown, path: readonly string[], replacement: unknown): unknown {
	if (path.length === 0) return replacement;
	const copy = clone(value) as Record<string, unknown>;
	let target: Record<string, unknown> = copy;
	for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
	const last = path[path.length - 1] as string;
	if (replacement === undefined) {
		if (Array.isArray(target)) target.splice(Number(last), 1);
		else delete target[last];
	} else target[last] = replacement;
	return copy;
}

export function getAt(value: unknown, path: readonly string[]): unknown {
	let current = value;
	for (const key of path) current = (current as Record<string, unknown>)?.[key];
	return current;
}

/** Numbers no field takes: past every bound, past the safe integers, past a double's precision. */
export const hugeNumber = fc.constantFrom(
	// Integers past PostgreSQL's `integer` (2^31 - 1) and `bigint`, still safe in JavaScript.
	2 ** 31,
	2 ** 32,
	-(2 ** 31) - 1,
	1e10,
	2 ** 53 - 1,
	// Past the safe integers, past a double's range of integers, odd doubles.
	2 ** 53 + 2,
	-(2 ** 63),
	1e21,
	1e308,
	-1e308,
	0.1 + 0.2,
	-0,
	Number.MIN_VALUE
);

export type Mutation =
	| { kind: 'none' }
	| { kind: 'drop'; path: string[] }
	| { kind: 'extra'; path: string[]; key: string; value: unknown }
	| { kind: 'wrongType'; path: string[]; value: unknown }
	| { kind: 'nul'; path: string[] }
	| { kind: 'huge'; path: string[]; value: number }
	| { kind: 'long'; path: string[] };

/** A value of the schema with one mutation applied, and the mutation (for the assertions). */
export function malformed(
	schema: JsonSchema
): fc.Arbitrary<{ value: unknown; mutation: Mutation }> {
	return arbitraryOf(schema).chain(mutationsOf);
}

/** The value with one mutation applied (or none), and the mutation. */
export function mutationsOf(value: unknown): fc.Arbitrary<{ value: unknown; mutation: Mutation }> {
	const paths = leaves(value);
	const pickPath = fc.constantFrom(...paths);
	// Huge numbers go where numbers are, when there are any.
	const numeric = paths.filter((p) => typeof getAt(value, p) === 'number');
	const pickNumber = numeric.length > 0 ? fc.constantFrom(...numeric) : pickPath;
	const objectPaths = paths.map((p) => p.slice(0, -1));
	return fc.oneof(
		fc.constant({ value, mutation: { kind: 'none' } as Mutation }),
		pickPath.map((path) => ({
			value: path.length === 0 ? undefined : setAt(value, path, undefined),
			mutation: { kind: 'drop', path } as Mutation
		})),
		fc
			.tuple(
				fc.constantFrom(...objectPaths),
				fc.constantFrom('nom', 'prenom', 'name', 'extra', '__proto__', 'constructor'),
				fc.jsonValue({ maxDepth: 1 })
			)
			.map(([path, key, extra]) => {
				const parent = getAt(value, path);
				const target =
					parent !== null && typeof parent === 'object' && !Array.isArray(parent)
						? { ...(parent as object), [key]: extra }
						: { [key]: extra };
				return {
					value: setAt(value, path, target),
					mutation: { kind: 'extra', path, key, value: extra } as Mutation
				};
			}),
		fc.tuple(pickPath, fc.oneof(fc.jsonValue({ maxDepth: 2 }), oddString)).map(([path, wrong]) => ({
			value: setAt(value, path, wrong),
			mutation: { kind: 'wrongType', path, value: wrong } as Mutation
		})),
		fc
			.tuple(pickPath, fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }))
			.map(([path, before, after]) => {
				const old = getAt(value, path);
				const text = `${before}${typeof old === 'string' ? old : ''}\u0000${after}`;
				return { value: setAt(value, path, text), mutation: { kind: 'nul', path } as Mutation };
			}),
		fc.tuple(pickNumber, hugeNumber).map(([path, n]) => ({
			value: setAt(value, path, n),
			mutation: { kind: 'huge', path, value: n } as Mutation
		})),
		fc.tuple(pickPath, fc.constantFrom(501, 5_001, 200_001)).map(([path, n]) => ({
			value: setAt(value, path, 'x'.repeat(n)),
			mutation: { kind: 'long', path } as Mutation
		}))
	);
}
