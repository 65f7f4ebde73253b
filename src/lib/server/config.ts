import path from 'node:path';
import { z } from 'zod';

/**
 * Runtime configuration from the environment (contract §6). Read with process.env rather than
 * $env/dynamic/private because the CLI and the benchmarks run the same code outside SvelteKit.
 */
const EnvSchema = z.object({
	DATABASE_URL: z
		.string()
		.regex(/^postgres(ql)?:\/\//, 'doit commencer par postgres:// ou postgresql://')
		.optional()
		.or(z.literal('').transform(() => undefined)),
	DATA_DIR: z.string().min(1).default('./data'),
	MIGRATIONS_DIR: z.string().min(1).default('drizzle'),
	SEED_DEMO: z.enum(['true', 'false']).default('true')
});

export type AppConfig = {
	databaseUrl: string | undefined;
	dataDir: string;
	migrationsDir: string;
	seedDemo: boolean;
};

export function readConfig(env: Record<string, string | undefined> = process.env): AppConfig {
	const parsed = EnvSchema.safeParse(env);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(`Configuration invalide : ${issue?.path.join('.')} ${issue?.message}`);
	}
	return {
		databaseUrl: parsed.data.DATABASE_URL,
		dataDir: path.resolve(parsed.data.DATA_DIR),
		migrationsDir: path.resolve(parsed.data.MIGRATIONS_DIR),
		seedDemo: parsed.data.SEED_DEMO === 'true'
	};
}
