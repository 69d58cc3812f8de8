// Installing aesync like a package (packaging/install.cmake, docs/production.md "Install"), end
// to end with the real tools: `make install` with the default PREFIX and with PREFIX=/opt/aesync
// into a DESTDIR (the exact file list; the units' ExecStart= and Documentation= rewritten to
// that install and naming files it installed); `make package` builds the .deb, `lintian`
// reports nothing (no error, no warning that is not overridden with a reason), `dpkg -x` into a
// scratch root gives the exact Debian layout, its aesync runs `--version` and checks the
// example config (`check --offline`), and its Depends (dpkg-shlibdeps) hold every shared
// library `ldd` reports. Then the consistency that used to drift: the image name and tag of
// deploy/ and docs/production.md are one, tagged with the CMake project version; the units,
// the Dockerfile's ENTRYPOINT and the guide name paths the package installs; and the image's
// HEALTHCHECK command, pointed at a running daemon, is healthy on /healthz 200 and unhealthy
// on 503 and without a listener.
//
// The build tree is the one of $AESYNC_BIN (`make test` builds build/): `make install` and
// `make package` run in it as a user would.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AESYNC_BIN, runAesync, scratchDir } from './lib/aesync.mjs';
import { freePort } from './lib/clickhouse_server.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const read = (p) => readFileSync(join(root, p), 'utf8');
const BUILD = dirname(realpathSync(AESYNC_BIN));
const VERSION = /^project\(aesync VERSION (\d+\.\d+\.\d+) /m.exec(read('CMakeLists.txt'))[1];
const IMAGE = `registry.example.com/aesync:${VERSION}`;
const ARCH = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim();
const DEB = join(BUILD, `aesync_${VERSION}_${ARCH}.deb`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

/** Runs `make <args>` in the checkout with BUILD = the tree of $AESYNC_BIN; fails unless it exits 0. */
function make(args, env = {}) {
  const r = run('make', ['-C', root, `BUILD=${BUILD}`, ...args], { env: { ...process.env, ...env }, timeout: 1_800_000 });
  assert.equal(r.status, 0, `make ${args.join(' ')}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

/** Every file and symlink under `dir`, as sorted paths relative to it. */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

// The man page and completions come from `aesync manpage` / `aesync completion` (the CLI part of
// issue 14). TODO(integrator): once they are on main, delete GENERATED_BY_BINARY's condition so
// the lists below always require them.
const topHelp = runAesync(['--help']).stdout;
const GENERATED_BY_BINARY = /\n {2,}manpage\s/.test(topHelp) && /\n {2,}completion\s/.test(topHelp);

const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The files an install under `prefix` holds (relative to /), units in `unitDir`, zsh's in `zshDir`. */
function expectedFiles(prefix, unitDir, zshDir) {
  const p = prefix.slice(1);
  const doc = `${p}/share/doc/aesync`;
  const files = [
    `${p}/bin/aesync`,
    ...DOCS.map((d) => `${doc}/${d}`),
    `${doc}/copyright`,
    `${doc}/changelog.gz`,
    `${doc}/examples/aesync.toml`,
    `${doc}/examples/aesync.env.example`,
    ...['aesync.service', 'aesync.timer', 'aesync-daemon.service'].map((u) => `${unitDir.slice(1)}/${u}`),
  ];
  if (GENERATED_BY_BINARY) {
    files.push(
      `${p}/share/man/man1/aesync.1.gz`,
      `${p}/share/bash-completion/completions/aesync`,
      `${p}/share/fish/vendor_completions.d/aesync.fish`,
      `${zshDir.slice(1)}/_aesync`,
    );
  }
  return files.sort();
}

/** The ExecStart= and Documentation= lines of the three units under `rootDir/unitDir`. */
function unitPaths(rootDir, unitDir) {
  const out = {};
  for (const u of ['aesync.service', 'aesync-daemon.service']) {
    const text = readFileSync(join(rootDir, unitDir, u), 'utf8');
    out[u] = {
      exec: [...text.matchAll(/^ExecStart=(\S+)/gm)].map((m) => m[1]),
      doc: [...text.matchAll(/^Documentation=(\S+)/gm)].map((m) => m[1]),
    };
  }
  return out;
}

test('make install: PREFIX defaults to /usr/local, DESTDIR stages it; the units name that install', () => {
  const dest = scratchDir('install-default');
  make(['install', `DESTDIR=${dest}`]);
  assert.deepEqual(filesUnder(dest), expectedFiles('/usr/local', '/usr/local/lib/systemd/system', '/usr/local/share/zsh/site-functions'));
  const units = unitPaths(dest, 'usr/local/lib/systemd/system');
  assert.deepEqual(units['aesync.service'].exec, ['/usr/local/bin/aesync', '/usr/local/bin/aesync']);
  assert.deepEqual(units['aesync-daemon.service'].exec, ['/usr/local/bin/aesync']);
  for (const u of Object.values(units)) {
    assert.deepEqual(u.doc, ['file:///usr/local/share/doc/aesync/docs/production.md']);
    assert.ok(existsSync(join(dest, u.doc[0].slice('file://'.length))), u.doc[0]);
  }
  const v = run(join(dest, 'usr/local/bin/aesync'), ['--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.ok(v.stdout.startsWith(`aesync ${VERSION} `), v.stdout);
});

test('make install PREFIX=/opt/aesync: everything under the prefix, the units rewritten to it', () => {
  const dest = scratchDir('install-opt');
  make(['install', 'PREFIX=/opt/aesync', `DESTDIR=${dest}`]);
  assert.deepEqual(filesUnder(dest), expectedFiles('/opt/aesync', '/opt/aesync/lib/systemd/system', '/opt/aesync/share/zsh/site-functions'));
  const units = unitPaths(dest, 'opt/aesync/lib/systemd/system');
  assert.deepEqual(units['aesync.service'].exec, ['/opt/aesync/bin/aesync', '/opt/aesync/bin/aesync']);
  assert.deepEqual(units['aesync-daemon.service'].exec, ['/opt/aesync/bin/aesync']);
  const service = readFileSync(join(dest, 'opt/aesync/lib/systemd/system/aesync.service'), 'utf8');
  assert.doesNotMatch(service, /\/usr\/bin\/aesync|\/usr\/share\/doc/);
  for (const u of Object.values(units)) assert.deepEqual(u.doc, ['file:///opt/aesync/share/doc/aesync/docs/production.md']);
  assert.equal(readFileSync(join(dest, 'opt/aesync/share/doc/aesync/examples/aesync.toml'), 'utf8'), read('examples/aesync.toml'));
});

// ----------------------------------------------------------------------------------------------
// The Debian package

const pkgRoot = scratchDir('deb-root'); // the .deb extracted with dpkg -x

before(() => {
  make(['package']);
  assert.ok(existsSync(DEB), `make package did not produce ${DEB}`);
  const x = run('dpkg', ['-x', DEB, pkgRoot]);
  assert.equal(x.status, 0, x.stderr);
});

const field = (name) => {
  const r = run('dpkg-deb', ['-f', DEB, name]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

test('make package: the .deb has the Debian layout, its control fields and computed Depends', () => {
  assert.deepEqual(filesUnder(pkgRoot), expectedFiles('/usr', '/lib/systemd/system', '/usr/share/zsh/vendor-completions'));
  assert.equal(field('Package'), 'aesync');
  assert.equal(field('Version'), VERSION);
  assert.equal(field('Architecture'), ARCH);
  assert.equal(field('Section'), 'utils');
  // dpkg-shlibdeps' names for the libraries the binary links, and the CA certificates.
  const depends = field('Depends').split(/,\s*/).map((d) => d.split(' ')[0]).sort();
  assert.deepEqual(depends, ['ca-certificates', 'libc6', 'libcpp-httplib0.11', 'libcurl4', 'libgcc-s1', 'libsimdjson14',
    'libsnappy1v5', 'libssl3', 'libstdc++6', 'libtomlplusplus3', 'libzstd1', 'zlib1g']);
  const units = unitPaths(pkgRoot, 'lib/systemd/system');
  assert.deepEqual(units['aesync.service'].exec, ['/usr/bin/aesync', '/usr/bin/aesync']);
  // deploy/systemd/ holds the units exactly as the package installs them.
  for (const u of ['aesync.service', 'aesync.timer', 'aesync-daemon.service']) {
    assert.equal(readFileSync(join(pkgRoot, 'lib/systemd/system', u), 'utf8'), read(`deploy/systemd/${u}`), u);
  }
  const changelog = run('sh', ['-c', `zcat ${join(pkgRoot, 'usr/share/doc/aesync/changelog.gz')}`]);
  assert.match(changelog.stdout, new RegExp(`^aesync \\(${VERSION.replaceAll('.', '\\.')}\\) unstable; urgency=medium\\n`));
  assert.match(changelog.stdout, /\n -- .+ <.+>  \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\n$/);
});

test('lintian accepts the .deb: no error, no warning', () => {
  const r = run('lintian', ['--no-tag-display-limit', DEB]);
  const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
  // TODO(integrator): no-manual-page goes away with `aesync manpage` (the CLI part of issue 14).
  const expected = GENERATED_BY_BINARY ? [] : ['W: aesync: no-manual-page [usr/bin/aesync]'];
  assert.deepEqual(tags, expected, r.stdout);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the extracted aesync runs: --version is the package version', () => {
  const r = run(join(pkgRoot, 'usr/bin/aesync'), ['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`aesync ${VERSION} `), r.stdout);
});

const SECRET_ENV = {
  CLOUDFLARE_ACCOUNT_ID: '0123456789abcdef0123456789abcdef', CLOUDFLARE_ANALYTICS_API_TOKEN: 'dummy-token',
  R2_ACCESS_KEY_ID: 'dummy-key-id', R2_SECRET_ACCESS_KEY: 'dummy-secret', POSTHOG_PROJECT_ID: '12345',
  POSTHOG_PERSONAL_API_KEY: 'dummy-posthog-key', R2_READ_ACCESS_KEY_ID: 'dummy-read-id', R2_READ_SECRET_ACCESS_KEY: 'dummy-read-secret',
};

// TODO(integrator): `check --offline` is the config part of issue 14; once it is on main, drop
// the `todo` guard (the test then must pass).
const hasOffline = /--offline\b/.test(runAesync(['check', '--help']).stdout);
test('the extracted aesync checks the installed example config offline', { todo: hasOffline ? false : 'aesync check --offline is not on this branch yet' }, () => {
  const cwd = scratchDir('deb-check');
  const example = join(pkgRoot, 'usr/share/doc/aesync/examples/aesync.toml');
  const r = run(join(pkgRoot, 'usr/bin/aesync'), ['check', '--offline', '-c', example], { cwd, env: { PATH: process.env.PATH, ...SECRET_ENV } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

/** The Debian package that holds a file (usrmerge: /lib and /usr/lib are the same folder). */
function packageOf(path) {
  const candidates = new Set([path, realpathSync(path)]);
  for (const p of [...candidates]) candidates.add(p.startsWith('/usr/') ? p.slice(4) : '/usr' + p);
  for (const p of candidates) {
    const r = run('dpkg', ['-S', p]);
    if (r.status === 0) return r.stdout.split('\n')[0].split(':')[0].split(',')[0].trim();
  }
  return null;
}

test("the package's Depends provide every shared library of its binary (what the image installs)", () => {
  const bin = join(pkgRoot, 'usr/bin/aesync');
  const ldd = run('ldd', [bin]);
  assert.equal(ldd.status, 0, ldd.stderr);
  const libs = [...ldd.stdout.matchAll(/^\s*(\S+) => (\/\S+)/gm)].map((m) => ({ so: m[1], path: m[2] }));
  assert.ok(libs.some((l) => l.so.startsWith('libcurl')), ldd.stdout);
  const depends = field('Depends').split(/,\s*/).map((d) => d.split(' ')[0]);
  const dep = run('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks',
    '--no-replaces', '--no-enhances', ...depends]);
  assert.equal(dep.status, 0, dep.stderr);
  const installed = new Set(dep.stdout.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.replace(/:amd64$|:any$/, '')));
  const uncovered = [];
  for (const l of libs) {
    const pkg = packageOf(l.path);
    assert.ok(pkg, `no Debian package holds ${l.path} (${l.so})`);
    if (!installed.has(pkg)) uncovered.push(`${l.so} (${pkg})`);
  }
  assert.deepEqual(uncovered, []);
  // Every direct need (NEEDED) is named in Depends itself, not left to a chance dependency.
  const readelf = run('readelf', ['-d', bin]);
  assert.equal(readelf.status, 0, readelf.stderr);
  const needed = [...readelf.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(\S+)\]/g)].map((m) => m[1]);
  const direct = needed.map((so) => packageOf(libs.find((l) => l.so === so).path));
  assert.deepEqual(direct.filter((p) => !depends.includes(p)), []);
});

// ----------------------------------------------------------------------------------------------
// deploy/ and the docs agree with the build: image name and tag, install paths.

const dockerfile = read('deploy/Dockerfile');
const production = read('docs/production.md');

test('one image name, tagged with the project version, in deploy/ and the docs', () => {
  assert.match(dockerfile, new RegExp(`^ARG AESYNC_VERSION=${VERSION.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(dockerfile, /^ {6}org\.opencontainers\.image\.version="\$\{AESYNC_VERSION\}"$/m);
  const texts = { 'deploy/Dockerfile': dockerfile, 'docs/production.md': production, 'README.md': read('README.md') };
  for (const f of readdirSync(join(root, 'deploy/kubernetes'))) texts[`deploy/kubernetes/${f}`] = read(`deploy/kubernetes/${f}`);
  const refs = [];
  for (const [f, text] of Object.entries(texts)) {
    // Whatever looks like an image reference to aesync: `image: X`, `-t X`, `docker push|run ... X`.
    for (const m of text.matchAll(/(?:image:\s*|-t\s+|docker push\s+)(\S*aesync\S*)/g)) refs.push(`${f}: ${m[1]}`);
    for (const m of text.matchAll(/[\w.-]+(?:\/[\w.-]+)*\/aesync:[\w.-]*\w/g)) refs.push(`${f}: ${m[0]}`);
    assert.doesNotMatch(text, /aesync:latest/, f);
  }
  const names = new Set(refs.map((r) => r.split(': ')[1]));
  assert.deepEqual([...names], [IMAGE], refs.join('\n'));
  // Each place that names the image does: the manifests (3 containers), the guide, the Dockerfile.
  for (const f of ['deploy/kubernetes/cronjob.yaml', 'deploy/kubernetes/backfill-job.yaml', 'docs/production.md', 'deploy/Dockerfile']) {
    assert.ok(refs.some((r) => r.startsWith(`${f}: `)), f);
  }
  assert.equal((texts['deploy/kubernetes/cronjob.yaml'].match(/^ +image: (\S+)$/gm) ?? []).length, 2);
  assert.match(production, new RegExp(`^docker build -f deploy/Dockerfile -t ${IMAGE.replaceAll('.', '\\.')} \\.$`, 'm'));
});

test('the units, the image and the guide name paths the package installs', () => {
  const inPackage = (p) => existsSync(join(pkgRoot, p));
  // The units' binary and documentation.
  for (const u of ['aesync.service', 'aesync-daemon.service']) {
    const text = read(`deploy/systemd/${u}`);
    for (const m of text.matchAll(/^ExecStart=(\S+)/gm)) assert.ok(inPackage(m[1]), `${u}: ${m[1]}`);
    const docs = [...text.matchAll(/^Documentation=file:\/\/(\S+)$/gm)].map((m) => m[1]);
    assert.equal(docs.length, 1, u);
    for (const d of docs) assert.ok(inPackage(d), `${u}: Documentation ${d} is not in the package`);
  }
  // The image runs the package's binary.
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)[1]);
  assert.ok(inPackage(entry[0]), entry[0]);
  // Every /usr/share/doc/aesync/... and /usr/bin/... path of the guide is in the package, and
  // the files the guide has the reader build exist under those names.
  const paths = [...production.matchAll(/(\/(?:usr\/share\/doc\/aesync|usr\/bin|lib\/systemd\/system)\/[\w./-]*[\w])/g)].map((m) => m[1]);
  assert.ok(paths.length >= 6, paths.join(' '));
  for (const p of paths) assert.ok(inPackage(p), `docs/production.md names ${p}, which the package does not install`);
  assert.match(production, new RegExp(`apt install \\./build/aesync_${VERSION.replaceAll('.', '\\.')}_amd64\\.deb`));
  assert.equal(relative(BUILD, DEB).startsWith('..'), false);
  // No recipe installs from a path the build does not produce (a bare `aesync` at the top).
  assert.doesNotMatch(production, /install -m 0755 aesync /);
});

// ----------------------------------------------------------------------------------------------
// The image's HEALTHCHECK command against a real daemon (docs/daemon.md: /healthz 200 while the
// last run succeeded or none finished, 503 after a failed run).

const healthcheck = () => {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  const m = /^HEALTHCHECK (.*?) CMD (\[.*\])$/m.exec(joined);
  assert.ok(m, 'no HEALTHCHECK ... CMD [...] in deploy/Dockerfile');
  assert.match(m[1], /--interval=\d+s/);
  assert.match(dockerfile, /^EXPOSE 9464$/m);
  const argv = JSON.parse(m[2]);
  assert.equal(argv[0], '/bin/bash');
  assert.equal(argv[2].split('/dev/tcp/127.0.0.1/9464').length, 2, 'the check asks port 9464 once');
  return argv;
};

/** Runs the HEALTHCHECK command against 127.0.0.1:`port`; returns its exit code. */
const probe = (port) => {
  const [cmd, ...args] = healthcheck();
  return run(cmd, args.map((a) => a.replace('/dev/tcp/127.0.0.1/9464', `/dev/tcp/127.0.0.1/${port}`)), { timeout: 10_000 }).status;
};

/** Starts `aesync daemon` over `config` on `port`; resolves once /healthz answers `status`. */
async function daemonAnswering(config, port, status, cwd) {
  const child = spawn(AESYNC_BIN, ['-c', config, 'daemon', '--every', '24h', '--metrics-addr', `127.0.0.1:${port}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise((r) => child.on('close', (code) => r(code)));
  for (let i = 0; i < 600; i++) {
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => null);
    if (answer === status) return { child, exited };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGTERM');
  throw new Error(`the daemon never answered /healthz ${status}:\n${stderr}`);
}

test("the image's HEALTHCHECK: healthy on /healthz 200, unhealthy on 503 and without a listener", async () => {
  const dir = scratchDir('healthcheck');
  copyFileSync(join(root, 'examples/sample-machine-metrics.jsonl'), join(dir, 'sample.jsonl'));
  const good = join(dir, 'good.toml');
  writeFileSync(good, '[source]\ntype = "file"\npath = "sample.jsonl"\n\n[destination]\ntype = "local"\npath = "./exports"\n');
  const port = await freePort();
  assert.equal(probe(port), 1, 'nothing listens yet');
  let d = await daemonAnswering(good, port, 200, dir);
  assert.equal(probe(port), 0);
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);

  // A run fails when its destination cannot be written (a file where the folder should be).
  writeFileSync(join(dir, 'blocked'), 'not a folder');
  const bad = join(dir, 'bad.toml');
  writeFileSync(bad, '[source]\ntype = "file"\npath = "sample.jsonl"\n\n[destination]\ntype = "local"\npath = "./blocked/exports"\n');
  const port2 = await freePort();
  d = await daemonAnswering(bad, port2, 503, dir);
  assert.equal(probe(port2), 1);
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
});
