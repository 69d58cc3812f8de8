// The deployment recipes of deploy/ and the production guide, checked offline (no Docker, no
// cluster here): the systemd units load in systemd-analyze (where systemd is installed) and
// have the shape the guide describes; the Kubernetes manifests are well-formed YAML (a small
// parser of the block-style subset they use: a malformed or ambiguous line is an error) with
// the schedule, Secret, ConfigMap mount and Indexed-Job sharding wired together; the
// ConfigMap's aesync.toml is a config aesync accepts; every package of the Dockerfile's build
// stage exists in Debian and its image installs the .deb of `make package` (whose Depends
// package.test.mjs checks against `ldd`); and every aesync command line in the recipes and the
// guide uses real subcommands and flags (the binary's own --help), the backfill's
// `--shard $(JOB_COMPLETION_INDEX)/N --from --to` running for each index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AESYNC_BIN, runAesync, scratchDir } from './lib/aesync.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const deploy = join(root, 'deploy');
const read = (p) => readFileSync(join(root, p), 'utf8');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

const which = (name) => run('sh', ['-c', `command -v ${name}`]).status === 0;

// ----------------------------------------------------------------------------------------------
// A YAML parser for the subset the manifests use: block mappings and sequences (2-space steps),
// `key: |` literal blocks, flow mappings/sequences of scalars on one line, double/single-quoted
// and plain scalars, comments. Anything else (tabs, odd indentation, duplicate keys, a line that
// is neither `key:` nor `- `) throws with the line number.

function yamlScalar(text, where) {
  const t = text.trim();
  if (t.startsWith('"')) {
    assert.ok(t.endsWith('"') && t.length >= 2, `${where}: unterminated string ${t}`);
    return JSON.parse(t);
  }
  if (t.startsWith("'")) {
    assert.ok(t.endsWith("'") && t.length >= 2, `${where}: unterminated string ${t}`);
    return t.slice(1, -1).replaceAll("''", "'");
  }
  if (t.startsWith('{') || t.startsWith('[')) return yamlFlow(t, where);
  assert.ok(!/^[&*!|>%@`]/.test(t), `${where}: unsupported YAML construct ${t}`);
  assert.ok(!/:\s/.test(t) && !t.endsWith(':'), `${where}: ambiguous plain scalar ${t}`);
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^-?\d+$/.test(t)) return Number(t);
  return t;
}

function splitTopLevel(body, where) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let cur = '';
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  assert.ok(!quote && depth === 0, `${where}: unbalanced flow collection`);
  if (cur.trim() !== '') parts.push(cur);
  return parts;
}

function yamlFlow(t, where) {
  const open = t[0];
  const close = open === '{' ? '}' : ']';
  assert.ok(t.endsWith(close), `${where}: unterminated flow collection ${t}`);
  const items = splitTopLevel(t.slice(1, -1), where);
  if (open === '[') return items.map((i) => yamlScalar(i, where));
  const out = {};
  for (const item of items) {
    const m = /^\s*([A-Za-z0-9_.\/-]+):\s+(.*)$/.exec(item);
    assert.ok(m, `${where}: bad flow mapping entry ${item}`);
    assert.ok(!(m[1] in out), `${where}: duplicate key ${m[1]}`);
    out[m[1]] = yamlScalar(m[2], where);
  }
  return out;
}

/** Strips a trailing comment outside quotes. */
function stripComment(s) {
  let quote = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || s[i - 1] === ' ')) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

export function parseYaml(text, name) {
  const raw = text.split('\n');
  const lines = []; // { no, indent, text }
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i];
    assert.ok(!l.includes('\t'), `${name}:${i + 1}: tab character`);
    if (/^\s*(#.*)?$/.test(l)) {
      lines.push({ no: i + 1, blank: true, raw: l });
      continue;
    }
    const indent = l.length - l.trimStart().length;
    lines.push({ no: i + 1, indent, text: stripComment(l.trimStart()), raw: l });
  }
  let pos = 0;
  const skipBlank = () => {
    while (pos < lines.length && lines[pos].blank) pos++;
  };
  const where = (ln) => `${name}:${ln.no}`;

  function literalBlock(parentIndent) {
    const out = [];
    let blockIndent = null;
    while (pos < lines.length) {
      const ln = lines[pos];
      const ind = ln.raw.length - ln.raw.trimStart().length;
      if (ln.raw.trim() !== '' && ind <= parentIndent) break;
      if (ln.raw.trim() !== '') {
        blockIndent ??= ind;
        assert.ok(ind >= blockIndent, `${where(ln)}: literal block line less indented than its first line`);
      }
      out.push(ln.raw.trim() === '' ? '' : ln.raw.slice(blockIndent));
      pos++;
    }
    while (out.length && out[out.length - 1] === '') out.pop();
    return out.join('\n') + '\n';
  }

  function valueAfterKey(rest, ln, keyIndent) {
    if (rest === '|') return literalBlock(keyIndent);
    if (rest !== '') return yamlScalar(rest, where(ln));
    skipBlank();
    assert.ok(pos < lines.length, `${where(ln)}: key without value at end of file`);
    const next = lines[pos];
    // A sequence may sit at the key's own indentation.
    if (next.indent > keyIndent || (next.indent === keyIndent && next.text.startsWith('- '))) {
      return block(next.indent);
    }
    return null;
  }

  function mapping(indent, first = null) {
    const out = {};
    const entry = (ln, text) => {
      const m = /^([A-Za-z0-9_.\/-]+|"[^"]*"):(?:\s+(.*))?$/.exec(text);
      assert.ok(m, `${where(ln)}: expected "key: value", got ${JSON.stringify(text)}`);
      const key = m[1].startsWith('"') ? JSON.parse(m[1]) : m[1];
      assert.ok(!(key in out), `${where(ln)}: duplicate key ${key}`);
      out[key] = valueAfterKey(m[2] ?? '', ln, indent);
    };
    if (first) entry(first.ln, first.text);
    for (;;) {
      skipBlank();
      if (pos >= lines.length) break;
      const ln = lines[pos];
      if (ln.indent < indent) break;
      assert.equal(ln.indent, indent, `${where(ln)}: unexpected indentation`);
      if (ln.text.startsWith('- ')) break; // the sequence of the enclosing key
      pos++;
      entry(ln, ln.text);
    }
    return out;
  }

  function sequence(indent) {
    const out = [];
    for (;;) {
      skipBlank();
      if (pos >= lines.length) break;
      const ln = lines[pos];
      if (ln.indent < indent || !ln.text.startsWith('- ')) {
        assert.ok(ln.indent <= indent, `${where(ln)}: unexpected indentation`);
        break;
      }
      assert.equal(ln.indent, indent, `${where(ln)}: unexpected indentation`);
      pos++;
      const item = ln.text.slice(2);
      if (/^([A-Za-z0-9_.\/-]+|"[^"]*"):(\s|$)/.test(item)) out.push(mapping(indent + 2, { ln, text: item }));
      else out.push(yamlScalar(item, where(ln)));
    }
    return out;
  }

  function block(indent) {
    skipBlank();
    const ln = lines[pos];
    return ln.text.startsWith('- ') ? sequence(indent) : mapping(indent);
  }

  skipBlank();
  const doc = block(0);
  skipBlank();
  assert.equal(pos, lines.length, `${name}:${lines[pos]?.no}: content after the document`);
  return doc;
}

test('the YAML checker refuses malformed input', () => {
  assert.deepEqual(parseYaml('a: 1\nb:\n  - x\n  - { c: "d", e: [1, 2] }\nf: |\n  l1\n\n  l2\n', 't'), {
    a: 1, b: ['x', { c: 'd', e: [1, 2] }], f: 'l1\n\nl2\n',
  });
  assert.deepEqual(parseYaml('k:\n- a: 1\n  b: 2\n', 't'), { k: [{ a: 1, b: 2 }] });
  assert.throws(() => parseYaml('a: 1\na: 2\n', 't'), /t:2: duplicate key a/);
  assert.throws(() => parseYaml('a:\n  b: 1\n   c: 2\n', 't'), /t:3: unexpected indentation/);
  assert.throws(() => parseYaml('a:\n\tb: 1\n', 't'), /t:2: tab character/);
  assert.throws(() => parseYaml('a: "x\n', 't'), /t:1: unterminated string/);
  assert.throws(() => parseYaml('a: [1, 2\n', 't'), /t:1: (unbalanced|unterminated)/);
  assert.throws(() => parseYaml('just text\n', 't'), /t:1: expected "key: value"/);
});

// ----------------------------------------------------------------------------------------------
// Kubernetes

const k8s = Object.fromEntries(
  readdirSync(join(deploy, 'kubernetes'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f, parseYaml(readFileSync(join(deploy, 'kubernetes', f), 'utf8'), `deploy/kubernetes/${f}`)]),
);

test('the Kubernetes manifests parse and have their kinds', () => {
  assert.deepEqual(Object.keys(k8s).sort(), ['backfill-job.yaml', 'configmap.yaml', 'cronjob.yaml', 'secret.example.yaml']);
  assert.equal(k8s['cronjob.yaml'].kind, 'CronJob');
  assert.equal(k8s['backfill-job.yaml'].kind, 'Job');
  assert.equal(k8s['configmap.yaml'].kind, 'ConfigMap');
  assert.equal(k8s['secret.example.yaml'].kind, 'Secret');
  for (const [f, doc] of Object.entries(k8s)) {
    assert.match(doc.apiVersion, /^(v1|batch\/v1)$/, f);
    assert.ok(doc.metadata?.name, `${f}: metadata.name`);
  }
});

const secretName = () => k8s['secret.example.yaml'].metadata.name;
const configMapName = () => k8s['configmap.yaml'].metadata.name;
const SECRET_VARS = [
  'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_ANALYTICS_API_TOKEN', 'R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY',
  'POSTHOG_PROJECT_ID', 'POSTHOG_PERSONAL_API_KEY', 'R2_READ_ACCESS_KEY_ID', 'R2_READ_SECRET_ACCESS_KEY',
];

/** Asserts a container reads the config from the ConfigMap and the secrets from the Secret. */
function assertWired(podSpec, c, what) {
  assert.deepEqual(c.envFrom, [{ secretRef: { name: secretName() } }], `${what}: envFrom`);
  const cfg = c.env.find((e) => e.name === 'AESYNC_CONFIG');
  assert.equal(cfg?.value, '/etc/aesync/aesync.toml', `${what}: AESYNC_CONFIG`);
  const mount = c.volumeMounts.find((m) => m.mountPath === '/etc/aesync');
  assert.ok(mount, `${what}: a mount at /etc/aesync`);
  assert.equal(mount.readOnly, true);
  const vol = podSpec.volumes.find((v) => v.name === mount.name);
  assert.equal(vol?.configMap?.name, configMapName(), `${what}: the volume is the ConfigMap`);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(podSpec.securityContext.runAsNonRoot, true);
}

test('the Secret holds every variable the config names, and the ConfigMap holds aesync.toml', () => {
  assert.deepEqual(Object.keys(k8s['secret.example.yaml'].stringData).sort(), [...SECRET_VARS].sort());
  const toml = k8s['configmap.yaml'].data['aesync.toml'];
  const named = [...toml.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(named)].sort(), [...SECRET_VARS].sort());
});

test('the CronJob runs sync then prune every 6 hours in UTC, without overlap', () => {
  const cj = k8s['cronjob.yaml'].spec;
  assert.equal(cj.schedule, '0 */6 * * *');
  assert.equal(cj.timeZone, 'Etc/UTC');
  assert.equal(cj.concurrencyPolicy, 'Forbid');
  const pod = cj.jobTemplate.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(pod.initContainers.length, 1);
  assert.equal(pod.containers.length, 1);
  const [sync] = pod.initContainers;
  const [prune] = pod.containers;
  assert.deepEqual(sync.args, ['--log-format', 'json', '--no-progress', 'sync']);
  assert.deepEqual(prune.args, ['--log-format', 'json', '--no-progress', 'prune']);
  assertWired(pod, sync, 'sync');
  assertWired(pod, prune, 'prune');
});

/** The backfill Job's shard count, from its args. */
function backfillShape() {
  const job = k8s['backfill-job.yaml'].spec;
  const [c] = job.template.spec.containers;
  const shard = c.args[c.args.indexOf('--shard') + 1];
  const m = /^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/.exec(shard);
  assert.ok(m, `--shard ${shard}`);
  return { job, c, n: Number(m[1]) };
}

test('the backfill is an Indexed Job with one pod per shard', () => {
  const { job, c, n } = backfillShape();
  assert.equal(job.completionMode, 'Indexed');
  assert.equal(job.completions, n);
  assert.equal(job.parallelism, n);
  assert.equal(job.template.spec.restartPolicy, 'Never');
  const idx = c.env.find((e) => e.name === 'JOB_COMPLETION_INDEX');
  assert.equal(idx.valueFrom.fieldRef.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  assertWired(job.template.spec, c, 'backfill');
});

// ----------------------------------------------------------------------------------------------
// The config of the ConfigMap and the example config: aesync accepts them (posthog print reads
// the whole config and talks to no one).

const dummyEnv = Object.fromEntries(SECRET_VARS.map((v) => [v, v === 'CLOUDFLARE_ACCOUNT_ID' ? '0123456789abcdef0123456789abcdef' : v === 'POSTHOG_PROJECT_ID' ? '12345' : `dummy-${v.toLowerCase()}`]));

test('aesync accepts the ConfigMap config and examples/aesync.toml', () => {
  const dir = scratchDir('deploy-cfg');
  const cm = join(dir, 'configmap.toml');
  writeFileSync(cm, k8s['configmap.yaml'].data['aesync.toml']);
  for (const cfg of [cm, join(root, 'examples/aesync.toml')]) {
    const res = runAesync(['-c', cfg, 'posthog', 'print'], { cwd: dir, env: dummyEnv });
    assert.equal(res.code, 0, `${cfg}: ${res.stderr}`);
    assert.match(res.stdout, /files URL pattern: https:\/\/0123456789abcdef0123456789abcdef\.r2\.cloudflarestorage\.com\/iterate-posthog-exports\/machine_metrics\/\*\/data\.parquet/);
  }
});

// ----------------------------------------------------------------------------------------------
// systemd

function parseUnit(path) {
  const sections = {};
  let cur = null;
  readFileSync(path, 'utf8').split('\n').forEach((l, i) => {
    if (/^\s*([#;].*)?$/.test(l)) return;
    let m = /^\[([A-Za-z]+)\]$/.exec(l);
    if (m) {
      cur = sections[m[1]] ??= {};
      return;
    }
    m = /^([A-Za-z]+)=(.*)$/.exec(l);
    assert.ok(m && cur, `${path}:${i + 1}: not a unit file line: ${l}`);
    (cur[m[1]] ??= []).push(m[2]);
  });
  return sections;
}

const units = {
  service: parseUnit(join(deploy, 'systemd/aesync.service')),
  timer: parseUnit(join(deploy, 'systemd/aesync.timer')),
  daemon: parseUnit(join(deploy, 'systemd/aesync-daemon.service')),
};

test('the systemd units: sync then prune every 6 h, secrets from an EnvironmentFile, hardened', () => {
  const s = units.service.Service;
  assert.deepEqual(s.Type, ['oneshot']);
  assert.deepEqual(s.ExecStart, [
    '/usr/bin/aesync --log-format json --no-progress sync',
    '/usr/bin/aesync --log-format json --no-progress prune',
  ]);
  assert.deepEqual(units.timer.Timer.OnCalendar, ['*-*-* 00/6:00:00 UTC']);
  assert.deepEqual(units.timer.Timer.Unit, ['aesync.service']);
  assert.deepEqual(units.daemon.Service.ExecStart, ['/usr/bin/aesync --log-format json --no-progress daemon --metrics-addr 127.0.0.1:9464']);
  for (const u of [units.service, units.daemon]) {
    assert.deepEqual(u.Service.EnvironmentFile, ['/etc/aesync/aesync.env']);
    assert.deepEqual(u.Service.Environment, ['AESYNC_CONFIG=/etc/aesync/aesync.toml']);
    for (const [k, v] of [['DynamicUser', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes']]) {
      assert.deepEqual(u.Service[k], [v], k);
    }
  }
  const envVars = readFileSync(join(deploy, 'systemd/aesync.env.example'), 'utf8').split('\n')
    .filter((l) => /^[A-Z]/.test(l)).map((l) => l.split('=')[0]);
  assert.deepEqual(envVars.sort(), [...SECRET_VARS].sort());
});

if (which('systemd-analyze')) {
  test('systemd-analyze verify loads the units without a warning', () => {
    // The units name /usr/bin/aesync, which must exist for verify: point them at the build.
    const dir = scratchDir('deploy-systemd');
    for (const f of ['aesync.service', 'aesync.timer', 'aesync-daemon.service']) {
      writeFileSync(join(dir, f), readFileSync(join(deploy, 'systemd', f), 'utf8').replaceAll('/usr/bin/aesync', realpathSync(AESYNC_BIN)));
    }
    const res = run('systemd-analyze', ['verify', '--man=no', './aesync.service', './aesync.timer', './aesync-daemon.service'], { cwd: dir });
    assert.equal(res.status, 0, res.stderr);
    // Unknown keys and bad values are only warnings ("..., ignoring"): none may appear.
    const bad = res.stderr.split('\n').filter((l) => /aesync|ignoring|Unknown|Invalid|Failed to parse/i.test(l));
    assert.deepEqual(bad, []);
    const cal = run('systemd-analyze', ['calendar', '--iterations=4', '--base-time=2026-02-01 01:00:00 UTC', '*-*-* 00/6:00:00 UTC'], { env: { ...process.env, TZ: 'UTC' } });
    assert.equal(cal.status, 0, cal.stderr);
    const next = [...cal.stdout.matchAll(/(?:Next elapse|Iter\. #\d):\s+\w+ (\S+ \S+) UTC/g)].map((m) => m[1]);
    assert.deepEqual(next, ['2026-02-01 06:00:00', '2026-02-01 12:00:00', '2026-02-01 18:00:00', '2026-02-02 00:00:00']);
  });
}

// ----------------------------------------------------------------------------------------------
// Dockerfile

const dockerfile = read('deploy/Dockerfile');

/** The apt-get install packages of each stage, in order. */
function stagePackages() {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  const stages = joined.split(/^FROM /m).slice(1);
  return stages.map((st) => {
    const m = /apt-get install -y --no-install-recommends\s+([^&]+?)\s*&&/.exec(st);
    assert.ok(m, `no apt-get install in stage FROM ${st.split('\n')[0]}`);
    return m[1].split(/\s+/).filter(Boolean);
  });
}

test('the Dockerfile: two Debian 12 stages, the .deb built then installed, a non-root user, ENTRYPOINT aesync', () => {
  assert.deepEqual([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]), ['debian:12', 'debian:12']);
  assert.match(dockerfile, /^USER 10001:10001$/m);
  // The package's binary (package.test.mjs: the .deb installs /usr/bin/aesync).
  assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/bin\/aesync"\]$/m);
  assert.match(dockerfile, /-DAESYNC_TESTS=OFF/);
  assert.match(dockerfile, /&& cd \/build && cpack -G DEB \\$/m);
  assert.match(dockerfile, /^COPY --from=build \/build\/aesync\.deb \/tmp\/aesync\.deb$/m);
});

test('every package the Dockerfile installs exists in Debian; the image installs only the .deb', () => {
  const [build, runtime] = stagePackages();
  const missing = build.filter((p) => run('apt-cache', ['show', p]).status !== 0);
  assert.deepEqual(missing, []);
  // CPack's dpkg-shlibdeps needs dpkg-dev and file (as scripts/install-deps.sh installs them here).
  for (const p of ['dpkg-dev', 'file', 'git']) assert.ok(build.includes(p), p);
  // Its Depends bring the runtime libraries (package.test.mjs checks they cover the binary's).
  assert.deepEqual(runtime, ['/tmp/aesync.deb']);
});

// ----------------------------------------------------------------------------------------------
// Command lines: every aesync invocation of the recipes and the guide uses real commands/flags.

const GLOBAL_WITH_VALUE = new Set(['-c', '--config', '--log-format', '--log-level']);
const GLOBAL_FLAGS = new Set(['--no-progress', '--version', '--help', '-h']);

function helpOptions(args) {
  const res = runAesync([...args, '--help']);
  assert.equal(res.code, 0, `aesync ${args.join(' ')} --help: ${res.stderr}`);
  const opts = new Set([...res.stdout.matchAll(/(?:^|[\s,])(--?[a-z][a-z-]*)/gm)].map((m) => m[1]));
  const subs = new Set();
  const at = res.stdout.indexOf('Subcommands:');
  if (at >= 0) for (const m of res.stdout.slice(at).matchAll(/^\s{2}([a-z]+)\s/gm)) subs.add(m[1]);
  return { opts, subs };
}

/** Checks one argv (without the program name); returns the subcommand path. */
function checkInvocation(argv, where) {
  const top = helpOptions([]);
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) {
    assert.ok(GLOBAL_WITH_VALUE.has(argv[i]) || GLOBAL_FLAGS.has(argv[i]), `${where}: unknown global flag ${argv[i]}`);
    assert.ok(top.opts.has(argv[i]), `${where}: ${argv[i]} is not in aesync --help`);
    i += GLOBAL_WITH_VALUE.has(argv[i]) ? 2 : 1;
  }
  if (i >= argv.length) return [];
  const path = [];
  let level = top;
  while (i < argv.length && level.subs.has(argv[i])) {
    path.push(argv[i++]);
    level = helpOptions(path);
  }
  assert.ok(path.length > 0, `${where}: ${argv[i]} is not an aesync subcommand`);
  assert.equal(level.subs.size, 0, `${where}: aesync ${path.join(' ')} needs a subcommand`);
  for (; i < argv.length; i++) {
    if (argv[i].startsWith('-')) assert.ok(level.opts.has(argv[i]), `${where}: aesync ${path.join(' ')} has no ${argv[i]}`);
  }
  return path;
}

test('the recipes run real aesync commands and flags', () => {
  const seen = [];
  for (const [f, u] of Object.entries(units)) {
    for (const cmd of u.Service?.ExecStart ?? []) {
      const [bin, ...argv] = cmd.split(/\s+/);
      assert.equal(bin, '/usr/bin/aesync');
      seen.push(checkInvocation(argv, `systemd ${f}`).join(' '));
    }
  }
  const cj = k8s['cronjob.yaml'].spec.jobTemplate.spec.template.spec;
  for (const c of [...cj.initContainers, ...cj.containers]) seen.push(checkInvocation(c.args, `cronjob ${c.name}`).join(' '));
  const { c } = backfillShape();
  seen.push(checkInvocation(c.args.map((a) => a.replace('$(JOB_COMPLETION_INDEX)', '0')), 'backfill').join(' '));
  assert.deepEqual([...new Set(seen)].sort(), ['daemon', 'prune', 'sync']);
});

test('every aesync command line of docs/production.md is a real command', () => {
  const doc = read('docs/production.md');
  const lines = [];
  for (const block of doc.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const l of block[1].split('\n')) {
      const m = /^(?:[A-Z_]+=\S+\s+)?aesync\s+(.*?)\s*(?:#.*)?$/.exec(l.trim());
      if (m) lines.push(m[1]);
    }
  }
  for (const m of doc.matchAll(/`(aesync [^`]+)`/g)) lines.push(m[1].slice(7));
  assert.ok(lines.length >= 10, `only ${lines.length} aesync command lines found`);
  const paths = new Set();
  for (const l of lines) {
    if (l.includes('...')) continue; // "docker run ... aesync daemon" prose
    const argv = l.split(/\s+/).filter((a) => a !== '');
    paths.add(checkInvocation(argv, `docs/production.md: aesync ${l}`).join(' '));
  }
  for (const p of ['check', 'sync', 'status', 'prune', 'daemon', 'posthog link', 'posthog print']) assert.ok(paths.has(p), p);
});

test('the backfill Job runs for every index: --shard K/N with its dates', () => {
  // A file source standing in for AE (dates and shards are planned the same way): each index's
  // command line runs a dry run to exit 0, and the N shards together plan every day once.
  const { c, n } = backfillShape();
  const dir = scratchDir('deploy-backfill');
  copyFileSync(join(root, 'examples/sample-machine-metrics.jsonl'), join(dir, 'sample.jsonl'));
  writeFileSync(join(dir, 'aesync.toml'), '[source]\ntype = "file"\npath = "sample.jsonl"\n\n[destination]\ntype = "local"\npath = "./exports"\n\n[sync]\nretention_days = 3650\n');
  const dryRun = (args) => {
    const res = runAesync([...args, '--dry-run'], { cwd: dir });
    assert.equal(res.code, 0, `aesync ${args.join(' ')} --dry-run: ${res.stderr}`);
    return res.stdout;
  };
  const from = c.args[c.args.indexOf('--from') + 1];
  const to = c.args[c.args.indexOf('--to') + 1];
  assert.match(from, /^\d{4}-\d\d-\d\d$/);
  assert.match(to, /^\d{4}-\d\d-\d\d$/);
  // The sample's days, whatever the dates (the file source plans the days of its input).
  const daysOf = (out) => [...new Set([...out.matchAll(/machine_metrics\/(\d{4}-\d\d-\d\d)\/data\.parquet/g)].map((m) => m[1]))].sort();
  const all = daysOf(dryRun(['sync']));
  assert.ok(all.length >= 2, `the sample has ${all.length} days`);
  const [lo, hi] = [all[0], all[all.length - 1]];
  const planned = [];
  for (let k = 0; k < n; k++) {
    const args = c.args.map((a) => a.replace('$(JOB_COMPLETION_INDEX)', String(k)));
    dryRun(args); // the Job's own command line
    planned.push(...daysOf(dryRun(args.map((a) => (a === from ? lo : a === to ? hi : a)))));
  }
  assert.deepEqual(planned.sort(), all);
});

test('the deployment files named in the guide exist', () => {
  const doc = read('docs/production.md');
  const links = [...doc.matchAll(/\]\(\.\.\/([^)#]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length >= 5);
  for (const l of links) assert.ok(existsSync(join(root, l)), l);
});
