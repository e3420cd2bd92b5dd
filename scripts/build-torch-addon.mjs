#!/usr/bin/env node
// Builds the libtorch addon behind `--backend torch` (native/torch/*.cpp → native/torch/build/ichscan_torch.node)
// with g++ directly (no binding.gyp, so npm never tries to build it on its own).
// libtorch: $LIBTORCH (a libtorch folder or a pip torch package: include/ and lib/ inside), else Debian's
// libtorch-dev (/usr/include/torch, multiarch lib folder). Node's headers come with Node (include/node).
// `--if-available` (the npm install hook): a missing prerequisite or a failed build prints one line and exits 0,
// so `npm ci` works on machines without libtorch; without it (npm run build:torch) a failure exits 1.
// Objects are rebuilt only when their source, addon.h or the flags change.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'native/torch');
const out = join(src, 'build');
const optional = process.argv.includes('--if-available');

function skip(why) {
  console.log(`ichscan: torch backend not built (${why}); --backend torch needs libtorch: apt-get install libtorch-dev, or LIBTORCH=/path/to/libtorch, then npm run build:torch`);
  process.exit(optional ? 0 : 1);
}

function findLibtorch() {
  const env = process.env.LIBTORCH;
  if (env) {
    const cfg = join(env, 'share/cmake/Torch/TorchConfig.cmake');
    const abi = existsSync(cfg) ? /_GLIBCXX_USE_CXX11_ABI=([01])/.exec(readFileSync(cfg, 'utf8'))?.[1] : undefined;
    return { include: [join(env, 'include'), join(env, 'include/torch/csrc/api/include')], lib: join(env, 'lib'), abi, where: env };
  }
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] ?? `${process.arch}-linux-gnu`;
  const lib = `/usr/lib/${multiarch}`;
  if (existsSync('/usr/include/torch/csrc/api/include') && existsSync(join(lib, 'libtorch.so'))) {
    return { include: ['/usr/include/torch/csrc/api/include'], lib, abi: undefined, where: 'Debian libtorch-dev' };
  }
  return undefined;
}

const torch = findLibtorch();
if (!torch) skip('libtorch not found');
if (!existsSync(join(torch.lib, 'libtorch.so'))) skip(`no libtorch.so in ${torch.lib}`);
const nodeInclude = join(dirname(process.execPath), '..', 'include', 'node');
if (!existsSync(join(nodeInclude, 'node_api.h'))) skip(`Node headers not found at ${nodeInclude}`);
try {
  execFileSync('g++', ['--version'], { stdio: 'ignore' });
} catch {
  skip('g++ not found');
}

// oneDNN's sgemm for matmul when the library sits beside libtorch (Debian links libtorch to it).
const dnnl = ['libdnnl.so.2', 'libdnnl.so.3'].find((f) => existsSync(join(torch.lib, f)));
const cflags = ['-O2', '-fPIC', '-std=c++17', '-fexceptions', '-DNODE_GYP_MODULE_NAME=ichscan_torch', '-DNAPI_VERSION=8',
  `-I${nodeInclude}`, ...torch.include.map((i) => `-I${i}`), ...(torch.abi ? [`-D_GLIBCXX_USE_CXX11_ABI=${torch.abi}`] : []), ...(dnnl ? ['-DICH_HAVE_DNNL'] : [])];
const libs = [`-L${torch.lib}`, `-Wl,-rpath,${torch.lib}`, '-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10', ...(dnnl ? [`-l:${dnnl}`] : [])];
// Per-file extra flags: adam.cpp's element loop vectorises only at -O3 without errno for sqrt (GCC 12
// ignores both in an optimize attribute or pragma); scalar it was 3.5× PyTorch's Adam.
const fileFlags = { 'adam.cpp': ['-O3', '-fno-math-errno'] };

mkdirSync(join(out, 'obj'), { recursive: true });
const flagFile = join(out, 'flags.txt');
const flagText = JSON.stringify({ cflags, libs, fileFlags });
const flagsChanged = !existsSync(flagFile) || readFileSync(flagFile, 'utf8') !== flagText;
const header = statSync(join(src, 'addon.h')).mtimeMs;
const sources = readdirSync(src).filter((f) => f.endsWith('.cpp')).sort();
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const jobs = sources
  .map((f) => ({ cpp: join(src, f), obj: join(out, 'obj', f.replace(/\.cpp$/, '.o')), extra: fileFlags[f] ?? [] }))
  .filter((j) => flagsChanged || mtime(j.obj) < Math.max(mtime(j.cpp), header));

function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn('g++', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`g++ exited with ${code}`))));
  });
}

const t0 = performance.now();
try {
  const queue = [...jobs];
  const worker = async () => {
    for (let j = queue.shift(); j; j = queue.shift()) await run([...cflags, ...j.extra, '-c', j.cpp, '-o', j.obj]);
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), queue.length) }, worker));
  const target = join(out, 'ichscan_torch.node');
  if (jobs.length > 0 || !existsSync(target)) {
    await run(['-shared', '-o', target, ...sources.map((f) => join(out, 'obj', f.replace(/\.cpp$/, '.o'))), ...libs]);
  }
  writeFileSync(flagFile, flagText);
  console.log(`ichscan: torch backend built against ${torch.where}${dnnl ? ` (+ ${dnnl})` : ''} in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${target}`);
} catch (e) {
  if (optional) {
    console.log(`ichscan: torch backend build failed (${e.message}); the wasm backend still works; rerun npm run build:torch to see why`);
    process.exit(0);
  }
  console.error(`ichscan: torch backend build failed: ${e.message}`);
  process.exit(1);
}
