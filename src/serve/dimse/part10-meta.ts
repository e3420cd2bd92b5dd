/**
 * The Part 10 preamble and File Meta group written in front of a C-STORE dataset streamed to disk,
 * so the stored file is a normal DICOM file (PS3.10 §7.1): 128 zero bytes, "DICM", then group 0002
 * in explicit VR little endian.
 */
/** ichscan's Implementation Class UID (a 2.25 UUID-derived UID, fixed). */
export const IMPLEMENTATION_CLASS_UID = '2.25.301713563745349785786584112116917893419';
export const IMPLEMENTATION_VERSION = 'ICHSCAN_SERVE';

function element(group: number, el: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(el, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** UI values padded with NUL, others with space, to even length. */
function padded(text: string, pad: '\0' | ' '): Buffer {
  return Buffer.from(text.length % 2 ? text + pad : text, 'latin1');
}

export function buildPart10Header(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Buffer {
  const body = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', padded(sopClassUid, '\0')),
    element(0x0002, 0x0003, 'UI', padded(sopInstanceUid, '\0')),
    element(0x0002, 0x0010, 'UI', padded(transferSyntaxUid, '\0')),
    element(0x0002, 0x0012, 'UI', padded(IMPLEMENTATION_CLASS_UID, '\0')),
    element(0x0002, 0x0013, 'SH', padded(IMPLEMENTATION_VERSION, ' ')),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0002, 0x0000, 'UL', length), body]);
}
