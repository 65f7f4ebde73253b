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
		adapter: adapter({ out: 'build', precompress: false }),
		// The origin check of form posts stays on (CSRF protection); ORIGIN sets the origin behind a proxy.
		csrf: { trustedOrigins: [] }
	}
};

export default config;
