/**
 * Round trip through a real Orthanc: C-STORE (dcmtk storescu) the source study and the results;
 * Orthanc's REST API lists the results as series of the source study, and SEG/SR come back with
 * the same bytes over REST (/instances/<id>/file) and DICOMweb WADO-RS. Over C-STORE the receiver
 * writes its own file meta group (PS3.10: ImplementationClassUID, SourceApplicationEntityTitle),
 * so the bytes compared are the dataset's, everything after the meta group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDicomResults } from '../../src/dicom-out/index.js';
import { buildResultStudy, makeTempDir, readStudyUids, requireTool, UID_ROOT, writeSourceStudy } from './fixture.js';
import { datasetBytes, getBytes, getJson, hasOrthanc, singlePart, startOrthanc, storeFolder } from './orthanc.js';

interface OrthancSeries { MainDicomTags: { Modality: string; SeriesInstanceUID: string } }

test('Orthanc stores the results as series of the source study and returns SEG and SR unchanged', async (t) => {
  if (!hasOrthanc()) {
    if (process.env['CI'] === 'true') throw new Error('Orthanc or its DICOMweb plugin is missing but CI=true: install orthanc orthanc-dicomweb');
    t.skip('Orthanc not installed (apt-get install -y orthanc orthanc-dicomweb)');
    return;
  }
  if (!requireTool('storescu', ['--version'], t, 'dcmtk')) return;
  const dir = makeTempDir('orthanc');
  const server = await startOrthanc(join(dir, 'orthanc'));
  try {
    const srcDir = join(dir, 'src');
    mkdirSync(srcDir);
    const src = writeSourceStudy(srcDir, 11, 2);
    const uids = readStudyUids(src.files[0] as string);
    const written = await writeDicomResults(buildResultStudy(src, uids.study, uids.series), { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    storeFolder(server, srcDir);
    storeFolder(server, written.dir);

    const studies = await getJson<string[]>(server, '/tools/find', { Level: 'Study', Query: { StudyInstanceUID: uids.study } });
    assert.equal(studies.length, 1, 'one study in Orthanc');
    const series = await getJson<OrthancSeries[]>(server, `/studies/${studies[0]}/series`);
    const byUid = new Map(series.map((s) => [s.MainDicomTags.SeriesInstanceUID, s.MainDicomTags.Modality]));
    assert.equal(byUid.get(uids.series), 'CT');
    const expectedModality = { sr: 'SR', seg: 'SEG', sc: 'OT', kos: 'KO' };
    for (const f of written.files) assert.equal(byUid.get(f.seriesInstanceUid), expectedModality[f.kind], `${f.kind} series in the source study`);
    assert.equal(series.length, 5, 'CT + SR + SEG + key images + KOS');

    for (const f of written.files.filter((x) => x.kind === 'seg' || x.kind === 'sr')) {
      const local = datasetBytes(readFileSync(f.path));
      const found = await getJson<{ ID: string; Type: string }[]>(server, '/tools/lookup', f.sopInstanceUid);
      assert.equal(found[0]?.Type, 'Instance');
      const rest = await getBytes(server, `/instances/${found[0]?.ID}/file`);
      assert.ok(datasetBytes(rest.bytes).equals(local), `${f.kind} dataset identical over REST`);
      const wado = await getBytes(server, `/dicom-web/studies/${uids.study}/series/${f.seriesInstanceUid}/instances/${f.sopInstanceUid}`, 'multipart/related; type="application/dicom"');
      const part = singlePart(wado.bytes, wado.contentType);
      assert.ok(datasetBytes(part).equals(local), `${f.kind} dataset identical over WADO-RS`);
      t.diagnostic(`${f.kind}: ${local.length} dataset bytes identical over REST and WADO-RS; whole file identical: ${rest.bytes.equals(readFileSync(f.path))}`);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
