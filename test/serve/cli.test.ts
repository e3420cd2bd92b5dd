/** `ichscan serve` / `ichscan worker` on the command line: the flags with help lines, coded refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliCaptured } from '../helpers/cli.js';

test('serve --help lists every flag of the issue; worker --help its own', async () => {
  const h = await runCliCaptured(['serve', '--help']);
  assert.equal(h.code, 0);
  for (const f of ['--data-dir', '--http-port', '--dicom-port', '--ae-title', '--token-file', '--forward-to', '--stable-age', '--host', '--allow-ae', '--redis', '--config', '--pull-from', '--stow-to', '--webhook', '--tls-cert', '--retention-days']) assert.match(h.stdout, new RegExp(`${f} `), f);
  const w = await runCliCaptured(['worker', '--help']);
  assert.equal(w.code, 0);
  assert.match(w.stdout, /--redis <url>/);
  const main = await runCliCaptured(['--help']);
  assert.match(main.stdout, /serve\s+Triage service/);
  assert.match(main.stdout, /worker\s+Score the jobs/);
});

test('serve without --data-dir, with a bad --forward-to, --dicom-tls without a CA or a missing token file: ICH_E_CONFIG; worker without --redis: usage', async () => {
  const a = await runCliCaptured(['serve', '--token-file', 't']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /ICH_E_CONFIG.*--data-dir/);
  const b = await runCliCaptured(['serve', '--data-dir', 'd', '--token-file', 't', '--forward-to', 'PACS@nowhere']);
  assert.match(b.stderr, /ICH_E_CONFIG.*AE@host:port/);
  const tls = await runCliCaptured(['serve', '--data-dir', 'd', '--token-file', 't', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--dicom-tls']);
  assert.equal(tls.code, 1);
  assert.match(tls.stderr, /ICH_E_CONFIG.*dicomTls needs dicomTlsCa/);
  const c = await runCliCaptured(['serve', '--data-dir', '/tmp/ichscan-cli-test-none', '--token-file', '/nonexistent/tokens', '--http-port', '0', '--dicom-port', '-1']);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /ICH_E_CONFIG/);
  const w = await runCliCaptured(['worker']);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /--redis is required/);
});
