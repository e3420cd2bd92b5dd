/**
 * Lists every regular file under a folder (recursively, any extension: PACS exports often have
 * none), with size and mtime for resume checks. Names starting with "." are skipped (editor and
 * marker files). Paths are relative to the root, with "/" separators, sorted.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ichError, toIchError } from '../core/errors.js';

export interface FileEntry {
  /** Relative to the walked root, "/"-separated. */
  path: string;
  /** Bytes. */
  size: number;
  /** Modification time, integer ms since the epoch. */
  mtimeMs: number;
}

export function walkFiles(root: string): FileEntry[] {
  let top;
  try {
    top = statSync(root);
  } catch (e) {
    throw toIchError(e, 'ICH_E_FILE_NOT_FOUND', root);
  }
  if (!top.isDirectory()) throw ichError('ICH_E_USAGE', 'expected a directory', { file: root });
  const out: FileEntry[] = [];
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    const entries = readdirSync(join(root, rel), { withFileTypes: true });
    for (const d of entries) {
      if (d.name.startsWith('.')) continue;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) stack.push(childRel);
      else if (d.isFile() || d.isSymbolicLink()) {
        try {
          const st = statSync(join(root, childRel));
          if (st.isFile()) out.push({ path: childRel, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
        } catch {
          // a dangling link or a file removed while walking: nothing to index
        }
      }
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
