#!/usr/bin/env node
// Runs node's test runner on every compiled *.test.js under dist/test (Node 20 cannot glob, and
// would otherwise run helper modules as tests). Extra arguments filter files by substring.
// Only compiled tests whose test/**/*.ts source still exists run: tsc never deletes the output of a
// removed source, and a stale test would test code that is gone.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const sources = new URL('../test/', import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && existsSync(join(sources, relative(root, p)).replace(/\.js$/, '.ts')) && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
// Two cores: run two test files at a time.
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
