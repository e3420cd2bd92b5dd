/**
 * The login form: a bearer token (the same tokens as the API, docs/serve.md). The token is
 * checked against `/api/worklist` before it is kept; nothing of a study is shown or fetched
 * until then.
 */
import { fetchWithToken, UnauthorizedError } from '../api/api-client.js';
import { clearToken, saveToken } from '../api/token-store.js';
import { el } from './dom.js';

export function renderLogin(root: HTMLElement, message: string | null, onLoggedIn: () => void): void {
  const input = el('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', placeholder: 'Bearer token', required: '', spellcheck: 'false' });
  const error = el('p', { class: 'login-error', id: 'login-error', role: 'status' }, message ?? '');
  const form = el(
    'form',
    { class: 'login', id: 'login-form' },
    el('h1', {}, 'ichscan'),
    el('p', { class: 'muted' }, 'Intracranial hemorrhage triage — viewer'),
    el('label', { for: 'token' }, 'Access token'),
    input,
    el('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    error,
    el('p', { class: 'muted small' }, 'The token is kept in this tab only (sessionStorage). A link may carry it as #token=… — it is removed from the address bar at once.'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (token === '') return;
    saveToken(token);
    error.textContent = 'Checking…';
    fetchWithToken('/api/worklist?limit=1')
      .then(() => onLoggedIn())
      .catch((e: unknown) => {
        clearToken();
        error.textContent = e instanceof UnauthorizedError ? 'That token was refused.' : `Could not reach the service (${e instanceof Error ? e.message : String(e)}).`;
      });
  });
  root.replaceChildren(el('main', { class: 'login-page' }, form));
  input.focus();
}
