/**
 * The worklist: a row per study (flag and a caution mark for warnings, P(any), subtypes, volume, patient age/sex, arrival,
 * status), in the server's order (flagged first, then P(any), then arrival) until a header is
 * clicked (click again: reverse; a third time: server order). Polled every 2 s with
 * If-None-Match, so an unchanged list costs a 304 and no redraw.
 */
import { fetchWorklist } from '../api/api-client.js';
import type { WorklistEntry } from '../api/types.js';
import { cssColourOf } from '../render/subtype-colours.js';
import { SUBTYPES, type Subtype } from '../api/types.js';
import { el, formatAge, formatProbability, formatTime, formatVolume } from './dom.js';

/** Poll period, ms (issue 13: live as studies arrive and finish). */
export const POLL_MS = 2000;

interface Column {
  key: string;
  title: string;
  /** Sort key; null sorts last. */
  value: (s: WorklistEntry) => number | string | null;
  cell: (s: WorklistEntry) => Node | string;
}

const STATUS_RANK: Record<string, number> = { scoring: 0, queued: 1, received: 2, done: 3, failed: 4 };

function subtypeBadges(subtypes: readonly string[]): Node {
  const box = el('span', { class: 'badges' });
  if (subtypes.length === 0) box.append(el('span', { class: 'muted' }, '–'));
  for (const s of subtypes) {
    const known = (SUBTYPES as readonly string[]).includes(s);
    box.append(el('span', { class: 'badge', style: known ? `--c: ${cssColourOf(s as Subtype)}` : '' }, s));
  }
  return box;
}

function patientText(s: WorklistEntry): string {
  const age = formatAge(s.patient?.age);
  const sex = s.patient?.sex ?? null;
  return age || sex ? [age ?? '', sex ?? ''].filter((x) => x !== '').join(' / ') : '–';
}

function flagMark(s: WorklistEntry): Node {
  if (s.flagged === true) return el('span', { class: 'flag on', title: 'flagged: bleed likely' }, '● FLAG');
  if (s.flagged === false) return el('span', { class: 'flag off', title: 'not flagged' }, '○');
  return el('span', { class: 'flag none', title: 'not scored yet' }, '·');
}

/** The flag, and a caution mark when the result carries warnings (e.g. scored on a contrast-enhanced series). */
function flagCell(s: WorklistEntry): Node {
  const warnings = s.warnings ?? [];
  if (warnings.length === 0) return flagMark(s);
  return el('span', {}, flagMark(s), ' ', el('span', { class: 'caution', title: warnings.join('\n'), 'aria-label': `warning: ${warnings.join('; ')}` }, '⚠'));
}

const COLUMNS: Column[] = [
  { key: 'flag', title: 'Flag', value: (s) => (s.flagged === true ? 1 : s.flagged === false ? 0 : null), cell: flagCell },
  { key: 'any', title: 'P(any)', value: (s) => s.anyProbability, cell: (s) => formatProbability(s.anyProbability) },
  { key: 'subtypes', title: 'Subtypes', value: (s) => s.subtypes.join(','), cell: (s) => subtypeBadges(s.subtypes) },
  { key: 'volume', title: 'Volume (mL)', value: (s) => s.volumeMl, cell: (s) => formatVolume(s.volumeMl) },
  { key: 'patient', title: 'Age / sex', value: (s) => (patientText(s) === '–' ? null : patientText(s)), cell: patientText },
  { key: 'arrived', title: 'Arrived', value: (s) => s.times.arrived, cell: (s) => formatTime(s.times.arrived) },
  { key: 'status', title: 'Status', value: (s) => STATUS_RANK[s.status] ?? 9, cell: (s) => el('span', { class: `status ${s.status}`, title: s.error ? `${s.error.code}: ${s.error.message}` : '' }, s.status) },
  { key: 'study', title: 'Study', value: (s) => s.studyInstanceUid, cell: (s) => el('span', { class: 'uid', title: s.studyInstanceUid }, `…${s.studyInstanceUid.slice(-14)}`) },
];

/** Rows in the server's order, or sorted by a column (stable; nulls last either way). */
export function sortStudies(studies: readonly WorklistEntry[], key: string | null, descending: boolean): WorklistEntry[] {
  const col = COLUMNS.find((c) => c.key === key);
  if (!col) return [...studies];
  const dir = descending ? -1 : 1;
  return studies
    .map((s, i) => ({ s, i, v: col.value(s) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
      return c * dir || a.i - b.i;
    })
    .map((x) => x.s);
}

export class WorklistView {
  private studies: WorklistEntry[] = [];
  private etag: string | null = null;
  private sortKey: string | null = null;
  private descending = false;
  private timer: number | undefined;
  private stopped = false;
  private readonly tbody = el('tbody');
  private readonly head = el('tr');
  private readonly info = el('span', { class: 'muted', id: 'worklist-info' }, 'Loading…');

  constructor(
    private readonly root: HTMLElement,
    private readonly onOpen: (uid: string) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    const table = el('table', { class: 'worklist', id: 'worklist' }, el('thead', {}, this.head), this.tbody);
    this.root.replaceChildren(el('main', { class: 'worklist-page' }, el('div', { class: 'toolbar' }, el('h2', {}, 'Worklist'), this.info), table));
    this.renderHead();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    try {
      const got = await fetchWorklist(this.etag);
      if (this.stopped) return;
      if (got) {
        this.studies = got.studies;
        this.etag = got.etag;
        this.renderRows();
      }
      this.info.textContent = `${this.studies.length} ${this.studies.length === 1 ? 'study' : 'studies'} · updated ${new Date().toLocaleTimeString()} · live every ${POLL_MS / 1000} s`;
    } catch (e) {
      if (this.stopped) return;
      this.onError(e);
      return;
    }
    this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private renderHead(): void {
    this.head.replaceChildren(
      ...COLUMNS.map((c) => {
        const arrow = this.sortKey === c.key ? (this.descending ? ' ▼' : ' ▲') : '';
        const th = el('th', { 'data-key': c.key, 'aria-sort': this.sortKey === c.key ? (this.descending ? 'descending' : 'ascending') : 'none', title: 'Sort (click again to reverse, a third time for the server order)' }, c.title + arrow);
        th.addEventListener('click', () => this.toggleSort(c.key));
        return th;
      }),
    );
  }

  private toggleSort(key: string): void {
    if (this.sortKey !== key) [this.sortKey, this.descending] = [key, false];
    else if (!this.descending) this.descending = true;
    else [this.sortKey, this.descending] = [null, false];
    this.renderHead();
    this.renderRows();
  }

  private renderRows(): void {
    const rows = sortStudies(this.studies, this.sortKey, this.descending).map((s) => {
      const tr = el('tr', { 'data-uid': s.studyInstanceUid, 'data-status': s.status, class: s.flagged ? 'flagged' : '', tabindex: '0' }, ...COLUMNS.map((c) => el('td', { class: `col-${c.key}` }, c.cell(s))));
      tr.addEventListener('click', () => this.onOpen(s.studyInstanceUid));
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') this.onOpen(s.studyInstanceUid);
      });
      return tr;
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: String(COLUMNS.length), class: 'muted empty' }, 'No studies yet. Send one by C-STORE or STOW-RS; this list updates by itself.')));
    this.tbody.replaceChildren(...rows);
  }
}
