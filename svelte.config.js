import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: {
		// Svelte 5 runes everywhere, no legacy component syntax.
		runes: true
	},
	kit: {
		adapter: adapter({ out: 'build', precompress: true }),
		// src/instrumentation.server.ts sets ORIGIN's default before adapter-node reads it.
		experimental: { instrumentation: { server: true } },
		// The origin check of form posts (CSRF protection) is done by the `checkOrigin` handle of
		// src/hooks.server.ts instead of here, so that the API (bearer tokens only, no CSRF to fear)
		// answers its own error JSON to any content type; ORIGIN sets the origin behind a proxy.
		csrf: { trustedOrigins: ['*'] },
		// Scripts only from this site or with the per-response nonce SvelteKit adds to its own
		// inline bootstrap. maplibre builds its workers from blob: URLs (worker-src) and loads
		// tiles and glyphs through fetch (connect-src), both allowed here for the map pages.
		csp: {
			mode: 'nonce',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'worker-src': ['self', 'blob:'],
				'child-src': ['self', 'blob:'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
