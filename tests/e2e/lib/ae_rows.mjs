// Streamed machine_metrics rows for the AE sync tests: a fleet of machines (ids, orgs, projects,
// types) and a generator that yields realistic raw AE rows in timestamp order, second by
// second, without holding the data set in memory (millions of rows go straight into
// insertRows). Driven by a seeded Rng, so a data set is reproducible from its seed.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';

import { dayStartMs } from './gen.mjs';
import { Rng } from './prng.mjs';

const MACHINE_TYPES = ['shared-cpu-1x', 'shared-cpu-2x', 'performance-1x', 'performance-2x', 'performance-8x'];
const PROCESS_NAMES = [
  'node', 'bun', 'python3', 'postgres', 'nginx', 'redis-server', 'worker-日本', 'café', 'deno 🦕',
  '/usr/bin/env "quoted"', 'C:\\tools\\agent.exe', 'tab\tand\u2028sep', 'ünïcödé-😀-proc',
];

/** `machines` machines spread over `orgs` orgs: [{ id, org, project, type }]. */
export function makeFleet(rng, { machines = 200, orgs = 20 } = {}) {
  const fleet = [];
  for (let m = 0; m < machines; m++) {
    const org = rng.int(orgs);
    fleet.push({
      id: `m_${rng.hex(8)}${m.toString(36)}`,
      org: `org_${org.toString().padStart(3, '0')}`,
      project: `proj_${org}_${rng.int(6)}`,
      type: rng.pick(MACHINE_TYPES),
    });
  }
  return fleet;
}

/**
 * `count` distinct command lines of 40..200 bytes, as a fleet's process names look when the
 * metric carries the whole command line (JVMs, gunicorn, node, workers with their flags; a few
 * with quotes or non-ASCII). Drawn from their own Rng of `seed`, so passing them to
 * streamMachineMetrics() changes nothing else of a data set.
 */
export function longProcessNames(seed, count = 400) {
  const rng = new Rng((seed ^ 0x5eed1e55) >>> 0);
  const apps = ['billing', 'search', 'ingest', 'checkout', 'notifier', 'reports', 'auth', 'media', 'ledger', 'geo', 'café', 'tokyo-日本'];
  const templates = [
    (a, n) => `/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx${rng.pick([2, 4, 8, 16])}g -jar /srv/${a}-${n}/service.jar --profile=${rng.pick(['prod', 'staging', 'canary'])}`,
    (a, n) => `/usr/bin/python3 -m gunicorn ${a}.wsgi:application --workers ${n % 16 + 1} --bind 0.0.0.0:${8000 + n} --timeout 120`,
    (a, n) => `node --max-old-space-size=${rng.pick([512, 1024, 4096])} /srv/${a}/dist/server.js --port=${3000 + n} --cluster`,
    (a, n) => `/usr/local/bin/${a}-worker --queue=${a}.${rng.pick(['high', 'default', 'low'])} --concurrency=${n % 32 + 1} --config=/etc/${a}/worker-${n}.yaml`,
    (a, n) => `postgres: ${a} ${a}_db 10.${n % 255}.${rng.int(255)}.${rng.int(255)}(${40000 + rng.int(20000)}) idle in transaction`,
    (a, n) => `nginx: master process /usr/sbin/nginx -g "daemon off;" -c /etc/nginx/sites/${a}-${n}.conf`,
    (a, n) => `ruby /srv/${a}/bin/sidekiq -e production -C config/sidekiq_${n}.yml -q default,${a},mailers --tag "${a} ${n}"`,
    (a, n) => `/usr/bin/redis-server 127.0.0.1:${6379 + n} --maxmemory ${rng.pick([256, 512, 2048])}mb --appendonly yes --dir /var/lib/redis/${a}`,
    (a, n) => `deno run --allow-net --allow-env --allow-read=/srv/${a} https://deno.land/x/${a}@v${n % 9}.${rng.int(20)}.0/main.ts`,
    (a, n) => `/opt/${a}/bin/${a} serve --listen :${9000 + n} --log-format json --region ${rng.pick(['iad', 'fra', 'nrt', 'syd', 'gru'])} --shard ${n}`,
    (a, n) => `/usr/sbin/${a}d -n${n}`,
    (a, n) => `/usr/lib/jvm/java-21-openjdk-amd64/bin/java -server -XX:+UseG1GC -XX:MaxGCPauseMillis=${rng.pick([50, 100, 200])} ` +
      `-Dspring.profiles.active=prod -Dapp.name=${a} -Dlogging.config=/etc/${a}/logback-${n}.xml -cp /srv/${a}/lib/* com.example.${a}.Main --port ${8080 + n}`,
  ];
  const names = new Set();
  while (names.size < count) {
    let name = rng.pick(templates)(rng.pick(apps), rng.int(100));
    // Short lines get an instance id, long ones are cut: every name is 40..200 bytes of UTF-8.
    if (Buffer.byteLength(name) < 40) name += ` --instance-id=${rng.hex(16)}`;
    while (Buffer.byteLength(name) > 200) name = name.slice(0, -1);
    names.add(name);
  }
  return [...names];
}

/**
 * Raw AE rows of `days` UTC days from `startDay`, about `rowsPerDay` a day, yielded in
 * timestamp order: every second of the span gets floor(r) or floor(r) + 1 rows (r = rows per
 * second). Kinds: resource 70% (cpu/memory %, with some > 90), process 25% (a process name,
 * sometimes empty), startup 5% (time to ready, 150 ms .. `maxStartupMs`). Sample intervals 1,
 * 2, 4, 10 or 100. `skipDays`: day offsets that get no rows. `processNames`: the process names
 * to draw from instead of the built-in short ones (e.g. longProcessNames()), drawn skewed (the
 * first names most often, as a fleet's few big services dominate) with the same one draw per row,
 * so everything else of the data set stays as it was.
 */
export function* streamMachineMetrics(rng, { startDay, days, rowsPerDay, fleet, maxStartupMs = 30_000, skipDays = [], processNames = null }) {
  const perSecond = rowsPerDay / 86_400;
  const whole = Math.floor(perSecond);
  const frac = perSecond - whole;
  const start = dayStartMs(startDay) / 1000;
  for (let d = 0; d < days; d++) {
    if (skipDays.includes(d)) continue;
    for (let s = 0; s < 86_400; s++) {
      const sec = start + d * 86_400 + s;
      const n = whole + (rng.next() < frac ? 1 : 0);
      if (n === 0) continue;
      const timestamp = new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
      for (let i = 0; i < n; i++) yield machineRow(rng, rng.pick(fleet), timestamp, maxStartupMs, processNames);
    }
  }
}

function machineRow(rng, m, timestamp, maxStartupMs, processNames) {
  const k = rng.next();
  const kind = k < 0.7 ? 'resource' : k < 0.95 ? 'process' : 'startup';
  let d1 = 0, d2 = 0, d3 = 0, d4 = 0, proc = '';
  if (kind === 'resource') {
    d1 = Math.round(rng.next() * 10000) / 100;
    d2 = Math.round(rng.next() * 10000) / 100;
    d3 = rng.int(2 ** 31);
    d4 = rng.chance(0.5) ? 0 : rng.double();
  } else if (kind === 'process') {
    d1 = Math.round(rng.next() * 40000) / 100;
    d2 = rng.range(1, 8192) + rng.int(100) / 100;
    d3 = rng.range(1, 65535);
    if (rng.chance(0.2)) proc = '';
    else if (processNames === null) proc = rng.pick(PROCESS_NAMES);
    else {
      const u = rng.next();
      proc = processNames[Math.floor(processNames.length * u * u)];
    }
  } else {
    d1 = rng.range(150, maxStartupMs);
  }
  const si = rng.next();
  return {
    _sample_interval: si < 0.8 ? 1 : si < 0.9 ? 2 : si < 0.95 ? 4 : si < 0.99 ? 10 : 100,
    blob1: m.org,
    blob2: m.project,
    blob3: m.type,
    blob4: kind,
    blob5: proc,
    dataset: 'machine_metrics',
    double1: d1,
    double2: d2,
    double3: d3,
    double4: d4,
    index1: m.id,
    timestamp,
  };
}

/**
 * Writes a JSONEachRow dump of `day` to `path`: 150,000 rows, each with 96 random base64
 * characters, so its Parquet file is over 8 MiB and goes up to S3 in parts (the tests that
 * interrupt a multipart upload). Resolves when the file is complete.
 */
export async function writeMultipartDay(path, day, rng) {
  const ws = createWriteStream(path);
  for (let i = 0; i < 150_000; i++) {
    const sec = Math.floor((i * 86_400) / 150_000);
    const ts = `${day} ${String(Math.floor(sec / 3600)).padStart(2, '0')}:${String(Math.floor(sec / 60) % 60).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`;
    const line = JSON.stringify({
      timestamp: ts, _sample_interval: 1, index1: `m${rng.int(100)}`, blob1: 'org', blob2: 'proj', blob3: 'shared-cpu-1x',
      blob4: 'process', blob5: randomBytes(72).toString('base64'), double1: rng.double(), double2: 0, double3: 0, double4: 0,
    });
    if (!ws.write(line + '\n')) await new Promise((r) => ws.once('drain', r));
  }
  await new Promise((r) => ws.end(r));
}
