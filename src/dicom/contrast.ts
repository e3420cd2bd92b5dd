/**
 * Was contrast given? ichscan's models read NON-contrast head CT (RSNA 2019 is non-contrast): in an
 * enhanced series the arteries, venous sinuses, dura and tentorium reach blood's 50–90 HU and
 * above, and read as blood. Clinical ICH triage products take non-contrast CT only; ichscan
 * scores an enhanced series only when a study has nothing else, and says so.
 *
 * Evidence, from the header only (first match wins; the text says which):
 * - Contrast/Bolus Agent (0018,0010) with a value that is not a "none" word (real files carry
 *   e.g. "ISOVUE300/100", and "NONE" or "0" for none; the attribute is Type 2, so empty = unknown);
 * - Enhanced CT: a Contrast/Bolus Agent Sequence (0018,0012) item (the module is present only
 *   when contrast was used), or Contrast/Bolus Agent Administered (0018,9342) YES in the
 *   Contrast/Bolus Usage Sequence (0018,9341), at the top or in the shared or first per-frame group;
 * - Series Description (0008,103E) naming an enhanced protocol (CTA, angio, contrast, C+, post
 *   contrast, arterial/venous phase, perfusion) or an injection ("4cc sec 150cc": a flow rate and a
 *   volume), unless it also says it is not (non-contrast, without contrast, plain, NCCT, C−).
 * No image test: what dense vessels look like at 256 px was measured on one enhanced series only.
 */
import type { DataSet } from 'dicom-parser';
import { functionalGroupsOf } from './functional-groups.js';

const NONE_WORDS = /^(none|no|n|0|n\/a|na|-+|nil|no contrast|non[- ]?contrast|without)$/i;
const NOT_ENHANCED = /\b(non[- ]?con(trast)?|without contrast|w\/o( contrast)?|no contrast|pre[- ]?contrast|plain|nc(ct)?)\b|(^|[^a-z])c-(\s|$)/i;
const ENHANCED = /\b(cta|angio\w*|contrast|post[- ]?con(trast)?|arterial|venous|perfusion|enhanced)\b|(^|[^a-z])c\+|\b\d+(\.\d+)?\s*(cc|ml)\b/i;

const AGENT = 'x00180010';
const AGENT_SEQUENCE = 'x00180012';
const USAGE_SEQUENCE = 'x00189341';
const ADMINISTERED = 'x00189342';

function textOf(ds: DataSet | undefined, tag: string): string {
  return (ds?.string(tag) ?? '').replace(/\0/g, '').trim();
}

/** Why a Series Description reads as an enhanced protocol, or undefined. */
export function contrastInDescription(description: string): string | undefined {
  if (!description || NOT_ENHANCED.test(description)) return undefined;
  return ENHANCED.test(description) ? `SeriesDescription "${description}"` : undefined;
}

function administeredIn(ds: DataSet | undefined): boolean {
  for (const item of ds?.elements[USAGE_SEQUENCE]?.items ?? []) if (textOf(item.dataSet, ADMINISTERED).toUpperCase() === 'YES') return true;
  return false;
}

/** The evidence that the image was contrast-enhanced, in words, or undefined when none was found. */
export function readContrastEvidence(ds: DataSet): string | undefined {
  const agent = textOf(ds, AGENT);
  if (agent && !NONE_WORDS.test(agent)) return `ContrastBolusAgent "${agent}"`;
  if ((ds.elements[AGENT_SEQUENCE]?.items?.length ?? 0) > 0) return 'ContrastBolusAgentSequence present (enhanced CT)';
  const { shared, perFrame } = functionalGroupsOf(ds);
  if ([ds, shared, perFrame].some(administeredIn)) return 'ContrastBolusAgentAdministered YES';
  return contrastInDescription(textOf(ds, 'x0008103e'));
}
