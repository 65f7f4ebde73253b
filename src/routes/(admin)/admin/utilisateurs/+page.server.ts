import { redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { serviceFail } from '$lib/server/forms';
import {
	createUser,
	grantable,
	listUsers,
	setUserDisabled,
	updateUser
} from '$lib/server/services/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const caller = requestCaller(event);
	return {
		users: await listUsers(event.locals.db, caller),
		...(await grantable(event.locals.db, caller))
	};
};

export const actions: Actions = {
	create: async (event) => {
		const form = await event.request.formData();
		const values = {
			email: String(form.get('email') ?? ''),
			role: String(form.get('role') ?? ''),
			territories: form.getAll('territories').map(String)
		};
		try {
			const { user, oneTimePassword } = await createUser(
				event.locals.db,
				requestCaller(event),
				values
			);
			// Shown once, right here; never stored in clear.
			return { created: { email: user.email, oneTimePassword } };
		} catch (e) {
			return serviceFail(e, { action: 'create', values });
		}
	},
	update: async (event) => {
		const form = await event.request.formData();
		const id = String(form.get('id') ?? '');
		const values = {
			role: String(form.get('role') ?? ''),
			territories: form.getAll('territories').map(String)
		};
		try {
			await updateUser(event.locals.db, requestCaller(event), id, values);
		} catch (e) {
			return serviceFail(e, { action: 'update', id });
		}
		redirect(303, '/admin/utilisateurs');
	},
	disable: async (event) => {
		const id = String((await event.request.formData()).get('id') ?? '');
		try {
			await setUserDisabled(event.locals.db, requestCaller(event), id, true);
		} catch (e) {
			return serviceFail(e, { action: 'disable', id });
		}
		redirect(303, '/admin/utilisateurs');
	},
	enable: async (event) => {
		const id = String((await event.request.formData()).get('id') ?? '');
		try {
			await setUserDisabled(event.locals.db, requestCaller(event), id, false);
		} catch (e) {
			return serviceFail(e, { action: 'enable', id });
		}
		redirect(303, '/admin/utilisateurs');
	}
};
