import type { Db } from '$lib/server/db/client';

// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			message: string;
			/** Correlates what the user sees with the server log, without leaking internals. */
			requestId?: string;
		}
		interface Locals {
			db: Db;
			requestId: string;
		}
	}
}

export {};
