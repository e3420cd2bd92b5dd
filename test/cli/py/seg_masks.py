"""For test/cli/predict-dicom-out.test.ts, independently of ichscan's code (Debian pydicom):
per source SOP Instance UID referenced by the SEG, the SHA-256 of the union of its frames as a
0/255 uint8 image (what `predict --masks-out` writes), and the SR's total volume (first measurement
group, concept "Volume"). usage: seg_masks.py SEG SR"""
import hashlib
import json
import sys

import numpy as np
import pydicom

seg = pydicom.dcmread(sys.argv[1])
px = seg.pixel_array
if px.ndim == 2:
    px = px[np.newaxis]
union = {}
for i, fr in enumerate(seg.PerFrameFunctionalGroupsSequence):
    uid = str(fr.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID)
    m = union.setdefault(uid, np.zeros(px.shape[1:], dtype=np.uint8))
    m[px[i] != 0] = 255
sr = pydicom.dcmread(sys.argv[2])


def walk(items):
    for it in items:
        yield it
        if 'ContentSequence' in it:
            yield from walk(it.ContentSequence)


group = next(it for it in walk(sr.ContentSequence) if it.ValueType == 'CONTAINER' and it.ConceptNameCodeSequence[0].CodeMeaning == 'Measurement Group')
vol = next(float(it.MeasuredValueSequence[0].NumericValue) for it in group.ContentSequence if it.ValueType == 'NUM' and it.ConceptNameCodeSequence[0].CodeMeaning == 'Volume')
print(json.dumps({'masks': {k: hashlib.sha256(v.tobytes()).hexdigest() for k, v in union.items()}, 'volume': vol}))
