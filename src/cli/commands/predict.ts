/**
 * `ichscan predict <files|dirs> [--model <dir>] [--tta flip] [--json]`: per-slice probabilities of
 * the six labels and a verdict per study. Logic lives in src/infer; this file parses and prints.
 */
import type { Command } from '../command.js';
import { getBool, getInt, getString } from '../args.js';
import { ichError, toIchError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { resolveModelDir } from '../../model/card/model-card.js';
import { openScorer } from '../../infer/scorer.js';
import { planPrediction, predictPlanned, type PredictOptions, type StudyPrediction } from '../../infer/predict.js';
import { prepareOutputDir, renderKeyOverlays, writeSeriesMasks } from '../../infer/localise/write-outputs.js';
import { encodePng } from '../../preprocess/index.js';
import { writeFileAtomicSync } from '../../core/atomic-write.js';
import { join, resolve } from 'node:path';
import { ICHSCAN_VERSION } from '../../core/version.js';
import { resultModelIdentity, writeStudyDicomResults } from '../../dicom-out/write-study-results.js';
import { checkUidRoot, DEFAULT_UID_ROOT } from '../../dicom-out/uids.js';
import { ENGINE_FLAGS, SCORING_FLAGS, parseEngineOptions, parseTta } from './infer-flags.js';

function formatStudy(s: StudyPrediction): string {
  const v = s.verdict;
  const lines = [
    `study ${s.studyInstanceUid}: ${v.positive ? 'HEMORRHAGE LIKELY' : 'no hemorrhage found'} — P(any) ${v.anyProbability.toFixed(3)} (study threshold ${v.studyThreshold})`,
    ...s.warnings.map((w) => `  WARNING: ${w}`),
  ];
  if (v.subtypesPresent.length) lines.push(`  subtypes: ${v.subtypesPresent.map((t) => `${t} ${v.probabilities[t].toFixed(3)}`).join(', ')}`);
  if (v.bleedRange) {
    const r = v.bleedRange;
    const z = r.zFrom !== null && r.zTo !== null ? ` (z ${r.zFrom.toFixed(1)} … ${r.zTo.toFixed(1)} mm)` : '';
    lines.push(`  bleed range: slices ${r.firstIndex}–${r.lastIndex}${z}`);
  }
  lines.push(`  key slices: ${v.keySlices.map((k) => `#${k.index} P(any) ${k.any.toFixed(3)}`).join(', ')}`);
  if (s.volumeMl !== undefined) {
    const vol = s.volumeMl;
    const parts = vol ? SUBTYPES.filter((t): t is Exclude<typeof t, 'any'> => t !== 'any' && vol[t] > 0).map((t) => `${t} ${vol[t].toFixed(2)}`) : [];
    if (s.subtypesLocated?.length) lines.push(`  located by the masks: ${s.subtypesLocated.join(', ')}`);
    lines.push(`  volume: ${vol ? `${vol.total.toFixed(2)} mL${parts.length ? ` (${parts.join(', ')})` : ''}` : 'unknown (no PixelSpacing)'}${s.abcOver2Ml ? `; ABC/2 ${s.abcOver2Ml.toFixed(2)} mL` : ''}`);
    const e = s.bleedZExtent;
    lines.push(`  bleed z extent: ${e ? `slices ${e.fromIndex}–${e.toIndex}${e.fromMm !== null && e.toMm !== null ? ` (z ${e.fromMm.toFixed(1)} … ${e.toMm.toFixed(1)} mm)` : ''}, ${e.lengthMm.toFixed(1)} mm` : 'none'}`);
    lines.push(`  key images: ${(s.keyImages ?? []).map((k) => `#${k.index} (${k.reasons.join(', ')}; ${k.areaMm2.toFixed(0)} mm², P(any) ${k.any.toFixed(3)})`).join('; ') || 'none'}`);
  }
  for (const ser of s.series) {
    const caveats = [...(ser.notHead ? [`not a head CT: ${ser.notHead}`] : []), ...(ser.contrast ? [`contrast-enhanced: ${ser.contrast}`] : [])];
    lines.push(`  series ${ser.seriesInstanceUid} (${ser.slices.length} slices${caveats.length ? `; ${caveats.join('; ')}${ser.verdict === v ? '' : ', not used for the verdict'}` : ''})`);
    lines.push(`    ${'#'.padStart(4)} ${'z mm'.padStart(8)} ${SUBTYPES.map((t) => t.slice(0, 8).padStart(9)).join('')}`);
    for (const sl of ser.slices) {
      lines.push(`    ${String(sl.index).padStart(4)} ${(sl.z === null ? '-' : sl.z.toFixed(1)).padStart(8)} ${SUBTYPES.map((t) => sl.probabilities[t].toFixed(3).padStart(9)).join('')}`);
    }
  }
  return lines.join('\n');
}

export const predictCommand: Command = {
  spec: {
    name: 'predict',
    summary: 'Per-slice hemorrhage probabilities and a verdict per study',
    usage: 'ichscan predict <files|dirs...> [--model <dir>] [--tta flip] [--masks-out DIR] [--overlays DIR] [--dicom-out DIR] [--json]',
    positionals: [{ name: 'files|dirs', help: 'DICOM files or folders (searched recursively)', variadic: true }],
    flags: {
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder (model.json + ONNX) or shipped model name', default: 'default' },
      ...SCORING_FLAGS,
      json: { type: 'boolean', help: 'Print {"studies": [...], "failures": [...]} as JSON (one object per study)' },
      'masks-out': { type: 'string', arg: '<dir>', help: 'Write <dir>/<imageId>.png per scored slice: source Rows×Columns, 255 = hemorrhage, 0 elsewhere' },
      overlays: { type: 'string', arg: '<dir>', help: "Write <dir>/<imageId>.png of each study's key slices: brain window, bleed outlined per subtype, legend" },
      'dicom-out': { type: 'string', arg: '<dir>', help: 'Write DICOM results per study into <dir>/<study>/: SR (TID 1500), SEG, key images (SC) and their KOS (docs/dicom-results.md)' },
      'uid-root': { type: 'string', arg: '<uid>', help: "UID root for the results' new Series/SOP Instance UIDs (your organisation's root; ≤ 40 characters)", default: DEFAULT_UID_ROOT },
      force: { type: 'boolean', help: 'Allow writing into non-empty --masks-out / --overlays / --dicom-out folders (same-named files are replaced)' },
      ...ENGINE_FLAGS,
      batch: { type: 'number', arg: '<n>', help: 'Slices per inference call', default: 8 },
    },
  },
  async run(args, io) {
    if (args.positionals.length === 0) throw ichError('ICH_E_USAGE', 'give at least one DICOM file or folder');
    const tta = parseTta(args);
    const dir = resolveModelDir(getString(args, 'model'), io.cwd);
    const quiet = getBool(args, 'quiet');
    const scorer = await openScorer(dir, {
      ...parseEngineOptions(args),
      batch: getInt(args, 'batch', 1, 512) ?? 8,
      onStatus: (line) => io.stderr.write(`${line}\n`),
    });
    try {
      const headers = createProgress({ label: 'headers', unit: 'files', stream: io.stderr, silent: quiet });
      const plan = planPrediction(args.positionals, io.cwd, () => headers.tick());
      headers.finish();
      const total = plan.series.reduce((n, s) => n + s.slices.length, 0);
      const progress = createProgress({ label: 'predict', total, unit: 'slices', stream: io.stderr, silent: quiet });
      const masksArg = getString(args, 'masks-out');
      const overlaysArg = getString(args, 'overlays');
      const dicomArg = getString(args, 'dicom-out');
      const masksOut = masksArg === undefined ? undefined : resolve(io.cwd, masksArg);
      const overlays = overlaysArg === undefined ? undefined : resolve(io.cwd, overlaysArg);
      const dicomOut = dicomArg === undefined ? undefined : resolve(io.cwd, dicomArg);
      const uidRoot = getString(args, 'uid-root') ?? DEFAULT_UID_ROOT;
      if (dicomOut) checkUidRoot(uidRoot);
      const force = getBool(args, 'force');
      for (const d of [masksOut, overlays, dicomOut]) if (d) prepareOutputDir(d, force);
      const model = resultModelIdentity(dir, scorer.card.created);
      const localised: Pick<PredictOptions, 'localise' | 'onSeriesLocalised' | 'onStudyLocalised'> = {
        localise: true,
        ...(masksOut ? { onSeriesLocalised: (s) => void writeSeriesMasks(masksOut, s) } : {}),
        ...(overlays || dicomOut
          ? {
              onStudyLocalised: async (study, top) => {
                const keys = await renderKeyOverlays(study, top, `${model.name} ${model.version}`);
                if (overlays) for (const o of keys) writeFileAtomicSync(join(overlays, `${o.imageId}.png`), encodePng(o.rgb));
                if (!dicomOut) return;
                try {
                  await writeStudyDicomResults(study, top, keys, model, { outDir: dicomOut, uidRoot, softwareVersion: ICHSCAN_VERSION });
                } catch (e) {
                  // a study the writer refuses (mixed orientations, disagreeing patient data…) is reported; the batch goes on
                  const err = toIchError(e, 'ICH_E_INTERNAL', top.refs[0]?.file ?? study.studyInstanceUid);
                  plan.failures.push({ file: top.refs[0]?.file ?? study.studyInstanceUid, code: err.code, message: `DICOM results not written: ${err.message}` });
                }
              },
            }
          : {}),
      };
      const studies = await predictPlanned(scorer, plan.series, plan.failures, { tta, onSlice: () => progress.tick(), ...localised });
      progress.finish();
      if (getBool(args, 'json')) {
        io.stdout.write(`${JSON.stringify({ model: { dir, architecture: scorer.card.architecture, engine: scorer.engineName }, studies, failures: plan.failures }, null, 2)}\n`);
      } else {
        for (const s of studies) io.stdout.write(`${formatStudy(s)}\n\n`);
        for (const f of plan.failures) io.stdout.write(`skipped ${f.file}: [${f.code}] ${f.message}\n`);
        if (studies.length === 0) io.stdout.write('no readable CT slices found\n');
      }
      return studies.length === 0 ? 1 : 0;
    } finally {
      await scorer.dispose();
    }
  },
};
