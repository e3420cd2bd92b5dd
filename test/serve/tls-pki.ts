/**
 * A throw-away PKI for the DICOM TLS tests, made by the openssl CLI: one CA, leaf certificates
 * it signs (P-256 keys; SAN IP:127.0.0.1 and DNS:localhost unless told otherwise; serverAuth +
 * clientAuth, as DICOM nodes are both), and a self-signed "rogue" certificate no one trusts.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  ca: string;
  /** Leaf name → its PEM certificate and key. */
  leaf: Record<string, { cert: string; key: string }>;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** `leaves`: name → subjectAltName (default IP:127.0.0.1,DNS:localhost); `rogue` is added, self-signed. */
export function makeTestPki(dir: string, leaves: Record<string, string | undefined>): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ichscan test CA'], dir);
  const leaf: TestPki['leaf'] = {};
  for (const [name, san] of Object.entries(leaves)) {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san ?? 'IP:127.0.0.1,DNS:localhost'}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
    leaf[name] = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  }
  openssl(['req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '2', '-subj', '/CN=rogue', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], dir);
  leaf['rogue'] = { cert: join(dir, 'rogue.crt'), key: join(dir, 'rogue.key') };
  return { ca: join(dir, 'ca.crt'), leaf };
}
