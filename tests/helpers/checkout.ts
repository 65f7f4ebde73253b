import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, () => {
			const address = server.address();
			server.close(() =>
				typeof address === 'object' && address ? resolve(address.port) : reject(new Error())
			);
		});
	});
}

/**
 * The checkout seen through a folder of links to everything but its data and results, so that
 * `npm start` run there has the README's default `./data` fresh, and a developer's own data is
 * never touched. The caller removes the folder.
 */
export function linkedCheckout(root: string): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-checkout-'));
	for (const entry of fs.readdirSync(root)) {
		if (['data', 'test-results', 'bench-results', '.git'].includes(entry)) continue;
		fs.symlinkSync(path.join(root, entry), path.join(dir, entry));
	}
	return dir;
}
