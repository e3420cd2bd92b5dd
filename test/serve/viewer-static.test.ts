/**
 * The HTTP edges the browser viewer relies on, through `inject`: the static viewer is public, holds
 * no study data and carries the security headers; SPA fallback; asset content types; directory
 * traversal refused however it is spelled; 503 ICH_E_VIEWER_NOT_BUILT without index.html; every
 * data route 401 without a token; CORS only for configured origins (preflight before the token
 * check); the worklist ETag → 304.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../src/serve/http/build-app.js';
import { packageWebDir, SECURITY_HEADERS } from '../../src/serve/http/static-web.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { makeTempDir, READ_TOKEN, testConfig } from './serve-helpers.js';

const INDEX = '<!doctype html><title>ichscan</title><script type="module" src="/assets/app-1234.js"></script>';

/** A built viewer of our own (web/dist may or may not be built in this checkout). */
function makeWebDir(): string {
  const dir = join(makeTempDir('webdir'), 'dist');
  mkdirSync(join(dir, 'assets', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'app-1234.css'), 'body{}');
  writeFileSync(join(dir, 'assets', 'sub', 'logo.svg'), '<svg/>');
  writeFileSync(join(dir, 'assets', 'codec.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(dir, 'secret.txt'), 'outside assets');
  symlinkSync('/etc/passwd', join(dir, 'assets', 'link.txt'));
  return dir;
}

function assertSecurityHeaders(headers: Record<string, unknown>, what: string): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(headers[k.toLowerCase()], v, `${what}: ${k}`);
}

test('static viewer: public, no study data, security headers, SPA fallback, content types, package-relative default', async () => {
  const webDir = makeWebDir();
  const a = buildApp(testConfig('static', { webDir }));
  try {
    a.serve.store.recordInstance({ sop_uid: '7.7.1', study_uid: '7.7', series_uid: '7.7.2', path: '/dev/null', bytes: 1, header: {} }, Date.now());
    for (const url of ['/', '/studies/7.7', '/studies/7.7/series/1']) {
      const r = await a.inject({ url });
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.body, INDEX, `${url}: index.html as it is (no data injected)`);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.ok(!r.body.includes('7.7'), 'no study UID in the page');
      assertSecurityHeaders(r.headers, url);
    }
    const types: Record<string, RegExp> = { '/assets/app-1234.js': /^text\/javascript/, '/assets/app-1234.css': /^text\/css/, '/assets/sub/logo.svg': /^image\/svg\+xml/, '/assets/codec.wasm': /^application\/wasm/ };
    for (const [url, type] of Object.entries(types)) {
      const r = await a.inject({ url });
      assert.equal(r.statusCode, 200, url);
      assert.match(String(r.headers['content-type']), type, url);
      assertSecurityHeaders(r.headers, url);
    }
    assert.equal((await a.inject({ url: '/assets/missing.js' })).statusCode, 404);
  } finally {
    await a.close();
  }
  assert.equal(packageWebDir(), join(PROJECT_ROOT, 'web', 'dist'), 'default: the package root, not the working directory');
});

test('static viewer: traversal refused (.., encoded, backslash, NUL, absolute, symlink out of assets)', async () => {
  const a = buildApp(testConfig('traversal', { webDir: makeWebDir() }));
  try {
    for (const url of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/%2E%2E%2Fsecret.txt', '/assets/sub/../../secret.txt', '/assets/..%5csecret.txt', '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/app-1234.js%00.png', '/assets//etc/passwd', '/assets/%2Fetc%2Fpasswd', '/assets/link.txt', '/assets/', '/assets/sub']) {
      const r = await a.inject({ url });
      assert.ok(r.statusCode === 404 || r.statusCode === 401 || r.statusCode === 400, `${url}: ${r.statusCode}`);
      assert.ok(!r.body.includes('outside assets') && !r.body.includes('root:'), `${url} leaked a file`);
    }
  } finally {
    await a.close();
  }
});

test('viewer not built: / answers 503 ICH_E_VIEWER_NOT_BUILT with the npm run build hint', async () => {
  const a = buildApp(testConfig('unbuilt', { webDir: join(makeTempDir('empty-web'), 'dist') }));
  try {
    const r = await a.inject({ url: '/' });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().code, 'ICH_E_VIEWER_NOT_BUILT');
    assert.match(r.json().message, /npm run build/);
    assertSecurityHeaders(r.headers, '503');
  } finally {
    await a.close();
  }
});

test('every data route needs a token (401); unknown non-viewer routes too', async () => {
  const a = buildApp(testConfig('auth', { webDir: makeWebDir() }));
  try {
    const s = '1.2.3';
    for (const url of ['/api/worklist', `/api/studies/${s}`, '/metrics', '/dicomweb/studies', `/dicomweb/studies/${s}/series`, `/dicomweb/studies/${s}/instances`, `/dicomweb/studies/${s}/series/4/instances`, `/dicomweb/studies/${s}`, `/dicomweb/studies/${s}/metadata`, `/dicomweb/studies/${s}/series/4`, `/dicomweb/studies/${s}/series/4/metadata`, `/dicomweb/studies/${s}/series/4/instances/5`, `/dicomweb/studies/${s}/series/4/instances/5/metadata`, `/dicomweb/studies/${s}/series/4/instances/5/frames/1`, '/no-such-page', '/favicon.ico', '/api/nothing', '/dicomweb/nothing']) {
      const r = await a.inject({ url });
      assert.equal(r.statusCode, 401, url);
      assert.equal(r.json().code, 'ICH_E_UNAUTHORIZED', url);
    }
  } finally {
    await a.close();
  }
});

test('CORS: only configured origins get Access-Control-Allow-Origin; their preflight is answered before the token check', async () => {
  const ohif = 'http://ohif.example:3000';
  const a = buildApp(testConfig('cors', { corsOrigins: [ohif] }));
  const none = buildApp(testConfig('no-cors'));
  try {
    const pre = await a.inject({ method: 'OPTIONS', url: '/dicomweb/studies', headers: { origin: ohif, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], ohif);
    assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/);
    assert.match(String(pre.headers['access-control-allow-methods']), /GET/);
    const get = await a.inject({ url: '/dicomweb/studies', headers: { origin: ohif, authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['access-control-allow-origin'], ohif);
    assert.match(String(get.headers['access-control-expose-headers']), /ETag/);
    const denied = await a.inject({ url: '/dicomweb/studies', headers: { origin: ohif } });
    assert.equal(denied.statusCode, 401, 'CORS does not replace the token');
    assert.equal(denied.headers['access-control-allow-origin'], ohif, 'the 401 is readable by the allowed origin');
    for (const app of [a, none]) {
      const other = await app.inject({ method: 'OPTIONS', url: '/dicomweb/studies', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
      assert.equal(other.headers['access-control-allow-origin'], undefined, 'other origins get no CORS header');
      assert.equal(other.statusCode, 401, 'and their preflight meets the token check');
      const plain = await app.inject({ url: '/dicomweb/studies', headers: { origin: 'http://evil.example', authorization: `Bearer ${READ_TOKEN}` } });
      assert.equal(plain.headers['access-control-allow-origin'], undefined);
    }
  } finally {
    await a.close();
    await none.close();
  }
  assert.throws(() => testConfig('bad-cors', { corsOrigins: ['http://x.example/path/'] }), /ICH_E_CONFIG|not an origin/);
});

test('worklist ETag: the same list → 304 with If-None-Match, a change → 200 and a new ETag', async () => {
  const a = buildApp(testConfig('etag'));
  const auth = { authorization: `Bearer ${READ_TOKEN}` };
  try {
    const first = await a.inject({ url: '/api/worklist', headers: auth });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const again = await a.inject({ url: '/api/worklist', headers: { ...auth, 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    assert.equal((await a.inject({ url: '/api/worklist', headers: { ...auth, 'if-none-match': `W/${etag}, "other"` } })).statusCode, 304, 'weak form and lists match');
    assert.equal((await a.inject({ url: '/api/worklist?limit=1', headers: { ...auth, 'if-none-match': etag } })).statusCode, 304, 'same body, same tag');
    a.serve.store.recordInstance({ sop_uid: '8.8.1', study_uid: '8.8', series_uid: '8.8.2', path: '/dev/null', bytes: 1, header: {} }, Date.now(), { age: '045Y', sex: 'F' });
    const changed = await a.inject({ url: '/api/worklist', headers: { ...auth, 'if-none-match': etag } });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
    assert.deepEqual(changed.json().studies[0].patient, { age: '045Y', sex: 'F' });
    assert.equal((await a.inject({ url: '/api/worklist', headers: { 'if-none-match': etag } })).statusCode, 401, 'no token, no 304');
  } finally {
    await a.close();
  }
});
