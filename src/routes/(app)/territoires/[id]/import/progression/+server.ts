import { text } from '@sveltejs/kit';
import type { ImportProgress } from '$lib/domain/import-progress';
import { throttledProgress } from '$lib/domain/import-progress';
import { confirmImport } from '../import-form';
import type { RequestHandler } from './$types';

/**
 * The import page's confirmation with its progress (issue 17): the same form fields and the same
 * import as the page's `importer` action, answered as a stream of server-sent events — `progress`
 * (phase, done, total) a few times a second, then one `done` (where to go) or `failure` (the
 * action's failure: status and data, for applyAction). The progress travels in the import's own
 * response because nothing else could carry it: on the embedded database every other request
 * (a poll, its session lookup) waits for the import's transaction to end.
 */
export const POST: RequestHandler = async (event) => {
	let form: FormData;
	try {
		form = await event.request.formData();
	} catch {
		return text('Formulaire attendu : les champs de l’aperçu (name, format, mode, content).', {
			status: 400
		});
	}
	const encoder = new TextEncoder();
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			// A page left mid-import closes the stream; the import goes on to its end all the same.
			const send = (name: string, data: unknown) => {
				try {
					controller.enqueue(encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
				} catch {
					// closed by the client
				}
			};
			try {
				const outcome = await confirmImport(
					event,
					form,
					throttledProgress((progress: ImportProgress) => send('progress', progress), 250)
				);
				if ('location' in outcome) send('done', { location: outcome.location });
				else send('failure', { status: outcome.status, data: outcome.data });
			} catch (error) {
				// Logged by the server as any other; the page says the import did not go through.
				console.error(`[bon-tiers] ${event.locals.requestId ?? '-'} ${event.url.pathname}`, error);
				send('error', { message: 'L’import n’a pas abouti : rien n’a été écrit.' });
			} finally {
				try {
					controller.close();
				} catch {
					// closed by the client
				}
			}
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			'x-accel-buffering': 'no'
		}
	});
};
