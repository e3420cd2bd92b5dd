/**
 * The study view's side panel pieces: the verdict card (flag, P(any), warnings, subtype badges, volume per
 * subtype, model name and version), window presets, overlay controls with the legend.
 */
import type { StudyDetail, Subtype } from '../api/types.js';
import { SUBTYPES } from '../api/types.js';
import { cssColourOf } from '../render/subtype-colours.js';
import { WINDOW_PRESETS, type Window } from '../render/window-lut.js';
import { el, formatAge, formatProbability, formatTime, formatVolume } from './dom.js';

export function renderVerdictCard(d: StudyDetail): HTMLElement {
  const flag = d.flagged ? el('span', { class: 'flag-pill on', id: 'verdict-flag' }, 'FLAGGED') : el('span', { class: 'flag-pill off', id: 'verdict-flag' }, d.flagged === false ? 'Not flagged' : d.status);
  const badges = el('div', { class: 'badges', id: 'subtype-badges' });
  for (const s of d.subtypes) badges.append(el('span', { class: 'badge', style: (SUBTYPES as readonly string[]).includes(s) ? `--c: ${cssColourOf(s as Subtype)}` : '' }, s));
  if (d.subtypes.length === 0) badges.append(el('span', { class: 'muted small' }, 'no subtype present'));
  const vol = el('table', { class: 'volumes', id: 'volumes' });
  for (const s of SUBTYPES) {
    const ml = d.volume?.[s];
    if (ml !== undefined && ml > 0) vol.append(el('tr', {}, el('td', {}, el('span', { class: 'swatch', style: `--c: ${cssColourOf(s)}` }), s), el('td', { class: 'num' }, `${formatVolume(ml)} mL`)));
  }
  vol.append(el('tr', { class: 'total' }, el('td', {}, 'total'), el('td', { class: 'num' }, `${formatVolume(d.volume?.['total'] ?? d.volumeMl)} mL`)));
  const model = d.model ?? (d.modelName ? { name: d.modelName, version: d.modelVersion ?? '' } : null);
  return el(
    'section',
    { class: 'card verdict' },
    el('div', { class: 'verdict-top' }, flag, el('div', { class: 'pany' }, el('span', { class: 'muted small' }, 'P(any)'), el('strong', { id: 'verdict-pany' }, formatProbability(d.anyProbability)))),
    ...(d.warnings?.length ? [el('div', { class: 'warning', id: 'verdict-warnings', role: 'alert' }, ...d.warnings.map((w) => el('p', {}, `⚠ ${w}`)))] : []),
    badges,
    vol,
    el('dl', { class: 'facts' }, el('dt', {}, 'Model'), el('dd', { id: 'model-name' }, model ? `${model.name} ${model.version}` : '–'), el('dt', {}, 'Patient'), el('dd', {}, [formatAge(d.patient?.age), d.patient?.sex].filter(Boolean).join(' / ') || '–'), el('dt', {}, 'Arrived'), el('dd', {}, formatTime(d.times.arrived)), el('dt', {}, 'Scored'), el('dd', {}, formatTime(d.times.finished))),
  );
}

export function renderWindowControls(onPick: (w: Window) => void): { box: HTMLElement; show: (w: Window) => void } {
  const readout = el('span', { class: 'readout', id: 'window-readout' }, '');
  const buttons = WINDOW_PRESETS.map((p) => {
    const b = el('button', { type: 'button', 'data-preset': p.name.toLowerCase(), title: `${p.name} L ${p.window.level} / W ${p.window.width} (key ${p.key})` }, `${p.name}`, el('small', {}, ` ${p.window.level}/${p.window.width}`));
    b.addEventListener('click', () => onPick(p.window));
    return { b, p };
  });
  const show = (w: Window): void => {
    readout.textContent = `L ${w.level}  W ${w.width}`;
    for (const { b, p } of buttons) b.classList.toggle('active', p.window.level === w.level && p.window.width === w.width);
  };
  const box = el('section', { class: 'card' }, el('h3', {}, 'Window ', readout), el('div', { class: 'presets' }, ...buttons.map((x) => x.b)), el('p', { class: 'muted small' }, 'Drag on the image: ← → width, ↑ ↓ level.'));
  return { box, show };
}

export function renderOverlayControls(present: readonly Subtype[], segStatus: string, onChange: (on: boolean, opacity: number) => void): { box: HTMLElement; set: (on: boolean, opacity: number) => void; status: (text: string) => void } {
  const toggle = el('input', { type: 'checkbox', id: 'overlay-toggle' });
  toggle.checked = true;
  const opacity = el('input', { type: 'range', id: 'overlay-opacity', min: '0', max: '100', step: '5', value: '50' });
  const statusLine = el('p', { class: 'muted small', id: 'seg-status' }, segStatus);
  const emit = (): void => onChange(toggle.checked, Number(opacity.value) / 100);
  toggle.addEventListener('change', emit);
  opacity.addEventListener('input', emit);
  const legend = el('div', { class: 'legend' }, ...present.map((s) => el('span', { class: 'legend-item' }, el('span', { class: 'swatch', style: `--c: ${cssColourOf(s)}` }), s)));
  const box = el(
    'section',
    { class: 'card' },
    el('h3', {}, 'Bleed overlay'),
    el('label', { class: 'row' }, toggle, ' show (O)'),
    el('label', { class: 'row' }, 'opacity ', opacity),
    legend,
    statusLine,
  );
  return {
    box,
    set: (on, o) => {
      toggle.checked = on;
      opacity.value = String(Math.round(o * 100));
    },
    status: (text) => (statusLine.textContent = text),
  };
}
