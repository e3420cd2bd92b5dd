/** A tiny element builder: no framework, text set through textContent (never innerHTML). */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** "0.93" style probability; "–" when unknown. */
export function formatProbability(p: number | null | undefined): string {
  return p === null || p === undefined ? '–' : p.toFixed(2);
}

/** mL with one decimal; "–" when unknown. */
export function formatVolume(ml: number | null | undefined): string {
  return ml === null || ml === undefined ? '–' : ml.toFixed(1);
}

/** Local date and time of an ISO instant, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** DICOM Age String ("049Y", "006M", "010D") → "49 y", "6 mo", "10 d"; other text as it is. */
export function formatAge(age: string | null | undefined): string | null {
  if (!age) return null;
  const m = /^(\d{3})([DWMY])$/.exec(age.trim());
  if (!m) return age;
  const unit = { D: 'd', W: 'wk', M: 'mo', Y: 'y' }[m[2] as 'D' | 'W' | 'M' | 'Y'];
  return `${Number(m[1])} ${unit}`;
}
