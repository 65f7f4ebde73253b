/**
 * Where to go after signing in (`?suite=`): only a path of this site, so that neither the sign-in
 * page nor the ProConnect callback can be made an open redirect (a phishing relay).
 */
export function safeNext(value: string | null | undefined): string {
	return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
		? value
		: '/';
}
