/**
 * dcmjs-dimse 0.3.3, imported once with its logging silenced: by default it (and its nested dcmjs)
 * logs every association and private tag at info level, which would put DICOM values in our logs.
 */
import dimse from 'dcmjs-dimse';
import { createRequire } from 'node:module';

dimse.log.setLevel('silent');
try {
  // the copy of dcmjs nested under dcmjs-dimse has its own loglevel logger
  const require = createRequire(import.meta.resolve('dcmjs-dimse'));
  const dcmjs = require('dcmjs') as { log?: { setLevel?: (l: string) => void } };
  dcmjs.log?.setLevel?.('silent');
} catch {
  // no nested copy: nothing to silence
}

export { dimse };
