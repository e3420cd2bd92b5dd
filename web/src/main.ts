/**
 * The viewer's entry: takes a `#token=` fragment into sessionStorage (and out of the URL), then
 * routes: `/` → worklist, `/studies/<uid>` → study view; without a token → login (and no
 * request for study data is made). A 401 anywhere brings the login back.
 */
import './style.css';
import { UnauthorizedError } from './api/api-client.js';
import { captureFragmentToken, clearToken, loadToken } from './api/token-store.js';
import { el } from './views/dom.js';
import { renderLogin } from './views/login-view.js';
import { StudyView } from './views/study-view.js';
import { WorklistView } from './views/worklist-view.js';

interface View {
  stop(): void;
}

const app = document.getElementById('app') as HTMLElement;
let current: View | null = null;

function studyUidOf(pathname: string): string | null {
  const m = /^\/studies\/([^/]+)\/?$/.exec(pathname);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

function navigate(path: string): void {
  window.history.pushState(null, '', path);
  route();
}

function showError(e: unknown): void {
  current?.stop();
  current = null;
  if (e instanceof UnauthorizedError) {
    renderLogin(app, 'Signed out: the token was refused or has expired.', route);
    return;
  }
  const back = el('a', { href: '/' }, 'Back to the worklist');
  back.addEventListener('click', (ev) => {
    ev.preventDefault();
    navigate('/');
  });
  app.replaceChildren(el('main', { class: 'error-page' }, el('h2', {}, 'Something went wrong'), el('p', { id: 'error-text' }, e instanceof Error ? e.message : String(e)), back));
}

function renderTopBar(): HTMLElement {
  const home = el('a', { href: '/', class: 'brand' }, 'ichscan', el('span', { class: 'muted' }, ' viewer'));
  home.addEventListener('click', (ev) => {
    ev.preventDefault();
    navigate('/');
  });
  const logout = el('button', { type: 'button', id: 'logout', class: 'ghost' }, 'Sign out');
  logout.addEventListener('click', () => {
    clearToken();
    route();
  });
  return el('header', { class: 'topbar' }, home, el('span', { class: 'spacer' }), logout);
}

function route(): void {
  current?.stop();
  current = null;
  if (loadToken() === null) {
    renderLogin(app, null, route);
    return;
  }
  const body = el('div', { class: 'body' });
  app.replaceChildren(renderTopBar(), body);
  const uid = studyUidOf(window.location.pathname);
  const view = uid ? new StudyView(body, uid, () => navigate('/'), showError) : new WorklistView(body, (u) => navigate(`/studies/${encodeURIComponent(u)}`), showError);
  current = view;
  view.start();
}

captureFragmentToken();
window.addEventListener('popstate', route);
// a link with a new #token= on the page already open changes only the fragment: no reload
window.addEventListener('hashchange', () => {
  if (!/[#&]token=/.test(window.location.hash)) return;
  captureFragmentToken();
  route();
});
route();
