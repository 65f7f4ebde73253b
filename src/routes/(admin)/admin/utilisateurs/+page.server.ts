import { fail, redirect } from '@sveltejs/kit';
import { audit } from '$lib/server/services/audit';
import { listTerritories } from '$lib/server/services/territories';
import {
	AccountError,
	countActiveAdmins,
	createUser,
	getUser,
	listUsers,
	setUserDisabled,
	updateUser
} from '$lib/server/services/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	users: await listUsers(locals.db),
	territories: await listTerritories(locals.db)
});

function admin(locals: App.Locals) {
	// The authorization handle let only admins through; this narrows the type.
	return locals.principal as NonNullable<App.Locals['principal']>;
}

export const actions: Actions = {
	create: async ({ request, locals, getClientAddress }) => {
		const form = await request.formData();
		const values = {
			email: String(form.get('email') ?? ''),
			role: String(form.get('role') ?? ''),
			territories: form.getAll('territories').map(String)
		};
		try {
			const { user, oneTimePassword } = await createUser(locals.db, values);
			await audit(locals.db, {
				actor: admin(locals),
				action: 'admin.user_create',
				outcome: 'success',
				target: { type: 'user', id: user.id },
				ip: getClientAddress(),
				details: { role: user.role, territories: user.territories.join(',') || null }
			});
			// Shown once, right here; never stored in clear.
			return { created: { email: user.email, oneTimePassword } };
		} catch (e) {
			if (e instanceof AccountError)
				return fail(400, { action: 'create', values, issues: e.issues });
			throw e;
		}
	},
	update: async ({ request, locals, getClientAddress }) => {
		const form = await request.formData();
		const id = String(form.get('id') ?? '');
		const values = {
			role: String(form.get('role') ?? ''),
			territories: form.getAll('territories').map(String)
		};
		const before = await getUser(locals.db, id);
		if (!before)
			return fail(404, {
				action: 'update',
				id,
				issues: [{ path: 'id', message: 'compte introuvable' }]
			});
		if (
			before.role === 'admin' &&
			values.role !== 'admin' &&
			(await countActiveAdmins(locals.db)) <= 1
		) {
			return fail(400, {
				action: 'update',
				id,
				issues: [{ path: 'role', message: 'il doit rester au moins un administrateur actif' }]
			});
		}
		try {
			const user = await updateUser(locals.db, id, values);
			await audit(locals.db, {
				actor: admin(locals),
				action: 'admin.user_update',
				outcome: 'success',
				target: { type: 'user', id },
				ip: getClientAddress(),
				details: { role: user.role, territories: user.territories.join(',') || null }
			});
		} catch (e) {
			if (e instanceof AccountError) return fail(400, { action: 'update', id, issues: e.issues });
			throw e;
		}
		redirect(303, '/admin/utilisateurs');
	},
	disable: async ({ request, locals, getClientAddress }) => {
		const id = String((await request.formData()).get('id') ?? '');
		const user = await getUser(locals.db, id);
		if (!user)
			return fail(404, {
				action: 'disable',
				id,
				issues: [{ path: 'id', message: 'compte introuvable' }]
			});
		if (id === admin(locals).id) {
			return fail(400, {
				action: 'disable',
				id,
				issues: [{ path: 'id', message: 'vous ne pouvez pas désactiver votre propre compte' }]
			});
		}
		await setUserDisabled(locals.db, id, true);
		await audit(locals.db, {
			actor: admin(locals),
			action: 'admin.user_disable',
			outcome: 'success',
			target: { type: 'user', id },
			ip: getClientAddress()
		});
		redirect(303, '/admin/utilisateurs');
	},
	enable: async ({ request, locals, getClientAddress }) => {
		const id = String((await request.formData()).get('id') ?? '');
		if (!(await getUser(locals.db, id))) {
			return fail(404, {
				action: 'enable',
				id,
				issues: [{ path: 'id', message: 'compte introuvable' }]
			});
		}
		await setUserDisabled(locals.db, id, false);
		await audit(locals.db, {
			actor: admin(locals),
			action: 'admin.user_enable',
			outcome: 'success',
			target: { type: 'user', id },
			ip: getClientAddress()
		});
		redirect(303, '/admin/utilisateurs');
	}
};
