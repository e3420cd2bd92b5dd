/**
 * The bearer token: from the login form or a `#token=<t>` URL fragment. A fragment is never sent
 * to a server, and it is removed from the address bar (history.replaceState) as soon as it is
 * read, so it does not linger in history or get copied with the URL. The token lives in
 * sessionStorage only (gone when the tab closes), is never put in a URL query and never logged.
 */
const KEY = 'ichscan.token';

/** Reads `#token=<t>` (other fragment keys are kept), stores it and strips it from the URL. */
export function captureFragmentToken(): void {
  const hash = window.location.hash.replace(/^#/, '');
  if (hash === '') return;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (token === null) return;
  params.delete('token');
  const rest = params.toString();
  const url = window.location.pathname + window.location.search + (rest === '' ? '' : `#${rest}`);
  window.history.replaceState(window.history.state, '', url);
  if (token.trim() !== '') saveToken(token.trim());
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function loadToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
