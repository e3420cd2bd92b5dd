"""Reads ichscan's SEG and SR back with pydicom (Debian python3-pydicom 2.3.1), independently of
ichscan's code, and prints JSON for test/dicom-out/pydicom.test.ts:
  seg: per source file, SHA-256 of the label map rebuilt from the SEG frames (frame -> source SOP
       Instance through DerivationImageSequence/SourceImageSequence; segment -> label through
       SegmentLabel), plus per-frame plane positions;
  sr:  per measurement group, its tracking identifier and NUM values (NumericValue and
       FloatingPointValue) by concept meaning, and the presence code.
usage: read_results.py SEG_OR_EMPTY SR SOURCE_FILE...
"""
import hashlib
import json
import sys

import numpy as np
import pydicom

LABELS = ['Epidural hemorrhage', 'Intraparenchymal hemorrhage', 'Intraventricular hemorrhage', 'Subarachnoid hemorrhage', 'Subdural hemorrhage']


def read_seg(path, sources):
    seg = pydicom.dcmread(path)
    by_uid = {}
    for f in sources:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        by_uid[str(ds.SOPInstanceUID)] = (f, ds)
    label_of_segment = {int(s.SegmentNumber): LABELS.index(str(s.SegmentLabel)) + 1 for s in seg.SegmentSequence}
    pixels = seg.pixel_array
    if pixels.ndim == 2:
        pixels = pixels[np.newaxis]
    maps = {f: np.zeros((int(ds.Rows), int(ds.Columns)), dtype=np.uint8) for f, ds in by_uid.values()}
    positions = []
    for i, frame in enumerate(seg.PerFrameFunctionalGroupsSequence):
        src = frame.DerivationImageSequence[0].SourceImageSequence[0]
        f, ds = by_uid[str(src.ReferencedSOPInstanceUID)]
        number = int(frame.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        m = maps[f]
        if np.any((pixels[i] != 0) & (m != 0)):
            raise SystemExit('segments overlap')
        m[pixels[i] != 0] = label_of_segment[number]
        ipp = [float(v) for v in frame.PlanePositionSequence[0].ImagePositionPatient]
        positions.append({'file': f, 'ipp': ipp, 'sourceIpp': [float(v) for v in ds.ImagePositionPatient]})
    shared = seg.SharedFunctionalGroupsSequence[0]
    return {
        'segmentationType': str(seg.SegmentationType),
        'segments': [{'number': int(s.SegmentNumber), 'label': str(s.SegmentLabel), 'algorithmType': str(s.SegmentAlgorithmType),
                      'category': str(s.SegmentedPropertyCategoryCodeSequence[0].CodeValue), 'type': str(s.SegmentedPropertyTypeCodeSequence[0].CodeValue)}
                     for s in seg.SegmentSequence],
        'frames': int(seg.NumberOfFrames),
        'studyInstanceUid': str(seg.StudyInstanceUID),
        'frameOfReferenceUid': str(seg.FrameOfReferenceUID),
        'orientation': [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
        'maps': {f: hashlib.sha256(np.ascontiguousarray(m).tobytes()).hexdigest() for f, m in maps.items()},
        'positions': positions,
    }


def walk(items, out, group):
    for item in items:
        name = str(item.ConceptNameCodeSequence[0].CodeMeaning) if 'ConceptNameCodeSequence' in item else ''
        vt = str(item.ValueType)
        if vt == 'CONTAINER' and name == 'Measurement Group':
            g = {'num': {}, 'codes': {}, 'text': {}, 'images': 0}
            out.append(g)
            walk(item.ContentSequence, out, g)
            continue
        if group is not None:
            if vt == 'NUM':
                mv = item.MeasuredValueSequence[0]
                group['num'][name] = {'ds': str(mv.NumericValue), 'fd': float(mv.FloatingPointValue), 'unit': str(mv.MeasurementUnitsCodeSequence[0].CodeValue)}
            elif vt == 'CODE':
                c = item.ConceptCodeSequence[0]
                group['codes'][name] = f'{c.CodeValue}^{c.CodingSchemeDesignator}'
            elif vt == 'TEXT':
                group['text'][name] = str(item.TextValue)
            elif vt == 'IMAGE':
                group['images'] += 1
        if 'ContentSequence' in item:
            walk(item.ContentSequence, out, group)


def read_sr(path):
    sr = pydicom.dcmread(path)
    groups = []
    walk(sr.ContentSequence, groups, None)
    return {'verification': str(sr.VerificationFlag), 'completion': str(sr.CompletionFlag), 'studyInstanceUid': str(sr.StudyInstanceUID),
            'template': str(sr.ContentTemplateSequence[0].TemplateIdentifier), 'groups': groups}


seg_path, sr_path, *sources = sys.argv[1:]
print(json.dumps({'seg': read_seg(seg_path, sources) if seg_path else None, 'sr': read_sr(sr_path)}))
