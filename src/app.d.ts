import type { Db } from '$lib/server/db/client';
import type { Principal } from '$lib/server/auth/principal';

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
			/** Who is asking: null when nobody is signed in. */
			principal: Principal | null;
			/** Hash of the current session's token (sign-out, "log out everywhere"). */
			sessionHash: string | null;
			/** Maximum request body for this API route, in bytes. */
			bodyLimit?: number;
		}
	}
}

export {};
