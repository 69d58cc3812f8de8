// `make bench` end-to-end figure: `aesync sync` of one generated UTC day from the AE SQL API
// gateway (tests/e2e/lib/ae_gateway.mjs, in front of Debian's clickhouse-server) to the object
// store harness (tests/e2e/lib/s3_harness.mjs: s3rver behind a SigV4-verifying proxy), all on
// loopback, with the production defaults (1 h windows, verify = true, zstd). The day holds the
// same rows as `scripts/gen-ae-sample.mjs --rows N --start DAY --days 1 --seed SEED` (the same
// seeded generator and fleet: 5000 machines, 200 orgs), so the figure compares with `aesync
// convert` of that file.
//
// Why the extra figures: on a small machine the harness competes with aesync for the cores, so
// rows / wall seconds alone does not say whether aesync is the limit. For each run it measures,
// over the aesync process's lifetime: aesync's wall and user+sys CPU seconds and peak RSS
// (/usr/bin/time), the CPU seconds of this node process (the gateway, the S3 proxy and s3rver
// all run on its event loop) and of the ClickHouse server. Then the source alone: the day's
// windows fetched, as aesync fetches them (one after another), through the gateway and straight
// from ClickHouse into a null sink, with no aesync: the fastest the harness can serve the day.
// Then the same sync with the AE answers replayed: a proxy in front of the gateway records
// every answer of one sync, then serves the same requests from memory, so ClickHouse and the
// gateway drop out and what remains is aesync and the S3 harness.
// Last, five tables from the same read (issue 13): the raw table, the three per-metric-type
// tables of examples/tables-by-metric-type.toml and the hourly rollup of
// examples/tables-hourly-rollup.toml in one config, live: its peak RSS (the limit is 96 MiB for
// a 2M-row day), time and AE requests next to the single table's. It fails when the raw table
// lost rows, the split tables do not add up to the day, or the AE requests differ in number.
//
//   node bench/e2e/sync_day.mjs --bin build/aesync [--rows 2000000] [--day 2026-02-03]
//        [--seed 11] [--runs 3] [--window 1h] [--verify true] [--tables-runs RUNS]
//        [--machines 5000] [--orgs 200] [--long-process-names true] [--replayed-only true]
// prints progress on stderr and one JSON line on stdout (scripts/bench.sh reads it): medians
// over the runs and each run, live and replayed. --machines/--orgs/--long-process-names make the
// day gen-ae-sample.mjs's with the same options (make bench's second day); --replayed-only
// measures only the replayed runs (after the one recording sync): `median`, `five_tables` and
// `source` are then null.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';

import { manifestKey, parseSummary, startAeEnv, windowSql } from '../../tests/e2e/lib/ae_env.mjs';
import { longProcessNames, makeFleet, streamMachineMetrics } from '../../tests/e2e/lib/ae_rows.mjs';
import { insertRows } from '../../tests/e2e/lib/clickhouse_server.mjs';
import { Rng } from '../../tests/e2e/lib/prng.mjs';
import { runProcess } from '../../tests/e2e/lib/s3_tools.mjs';
import { exampleTablesText, tablesToml, writeTablesConfig } from '../../tests/e2e/lib/tables.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []),
);
const BIN = resolve(args.bin ?? 'build/aesync');
const ROWS = Number(args.rows ?? 2_000_000);
const DAY = args.day ?? '2026-02-03';
const SEED = Number(args.seed ?? 11);
const RUNS = Number(args.runs ?? 3);
const WINDOW = args.window ?? '1h';
const VERIFY = (args.verify ?? 'true') === 'true';
const TABLES_RUNS = Number(args['tables-runs'] ?? RUNS);
const MACHINES = Number(args.machines ?? 5000);
const ORGS = Number(args.orgs ?? 200);
const LONG_NAMES = (args['long-process-names'] ?? 'false') === 'true';
const REPLAYED_ONLY = (args['replayed-only'] ?? 'false') === 'true';
const EXAMPLES = resolve(new URL('../../examples/', import.meta.url).pathname);
// The five tables: their prefixes (= names) and what their manifests must say of the day's rows.
const RAW_TABLE = 'five_raw';
const SPLIT_TABLES = ['machine_metrics_resource', 'machine_metrics_process', 'machine_metrics_startup'];
const ROLLUP_TABLE = 'machine_metrics_hourly';
const CLK_TCK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ on Linux)

const log = (s) => process.stderr.write(`e2e: ${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15).
function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

// The pid of the clickhouse-server that runs with the config file of folder `dir`.
function clickhousePid(dir) {
  const config = join(dir, 'config.xml');
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(config)) return Number(p);
    } catch {
      // a process that ended meanwhile
    }
  }
  throw new Error(`no clickhouse-server process runs with ${config}`);
}

// This process's CPU seconds (main thread, libuv pool and GC threads).
function selfCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// POSTs `sql` and drops the answer, counting its bytes and lines; resolves { bytes, lines }.
function fetchToNull(port, path, headers, sql) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (c) => {
        bytes += c.length;
        for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => (res.statusCode === 200 ? resolvePromise({ bytes, lines }) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(sql);
  });
}

// A recording proxy in front of `target` (http://host:port): the first answer to each request
// (method, path, Authorization, body) is forwarded and kept; later identical requests get the
// kept answer from memory. Only 200 answers are kept. Resolves { url, stats: { replayed }, close() }.
async function startReplay(target) {
  const up = new URL(target);
  const kept = new Map();
  const stats = { replayed: 0 };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const key = `${req.method} ${req.url} ${req.headers.authorization ?? ''} ${body.toString('utf8')}`;
    const hit = kept.get(key);
    if (hit) {
      stats.replayed++;
      res.writeHead(200, { 'Content-Type': hit.type, 'Content-Length': hit.body.length });
      res.end(hit.body);
      return;
    }
    const headers = { ...req.headers, host: up.host, 'content-length': body.length };
    const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent: false }, (ures) => {
      const parts = [];
      res.writeHead(ures.statusCode, ures.headers);
      ures.on('data', (c) => {
        parts.push(c);
        res.write(c);
      });
      ures.on('end', () => {
        if (ures.statusCode === 200) kept.set(key, { type: ures.headers['content-type'], body: Buffer.concat(parts) });
        res.end();
      });
    });
    fwd.on('error', () => res.destroy());
    fwd.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}${up.pathname}`,
    stats,
    close: () => new Promise((r) => {
      server.closeAllConnections?.();
      server.close(r);
    }),
  };
}

const env = await startAeEnv({ tag: 'bench-sync-day' });
let replay = null;
try {
  const chPid = clickhousePid(env.ch.dir);
  const chVersion = (await env.ch.query('SELECT version()')).trim();
  let t0 = Date.now();
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: MACHINES, orgs: ORGS });
  const processNames = LONG_NAMES ? longProcessNames(SEED) : null;
  const rows = await insertRows(env.ch, 'machine_metrics', streamMachineMetrics(rng, { startDay: DAY, days: 1, rowsPerDay: ROWS, fleet, processNames }));
  // One part: every run reads the table in the same shape.
  await env.ch.query('OPTIMIZE TABLE machine_metrics FINAL');
  log(`${rows} rows of ${DAY} loaded into ClickHouse ${chVersion} in ${((Date.now() - t0) / 1000).toFixed(1)} s (not measured)`);

  const config = env.config('bench.toml', { source: { timeout: '120s', window: WINDOW, verify: VERIFY } });
  const timeFile = join(env.scratch, 'time.txt');
  const childEnv = { ...process.env };
  delete childEnv.AESYNC_CONFIG;
  for (const k of Object.keys(childEnv)) if (k.startsWith('AWS_')) delete childEnv[k];
  Object.assign(childEnv, { AE_TOKEN: env.token, E2E_S3_KEY_ID: env.h.accessKeyId, E2E_S3_SECRET: env.h.secretAccessKey });
  // "now" two days after the day: the day is complete and past its settle time.
  const now = new Date(Date.parse(`${DAY}T00:00:00Z`) + 2 * 86_400_000).toISOString().replace('.000Z', 'Z');

  let windows = [];
  let exported = 0; // syncs of the day so far: after the first, the day needs --force
  // The single table's check of a run: the summary's and the manifest's rows are the day's;
  // returns the bytes written.
  async function checkSingle(what, stdout) {
    const summary = parseSummary(stdout);
    const manifest = JSON.parse((await env.h.objectBytes(manifestKey(DAY))).toString('utf8'));
    if (summary.total.rows !== rows || manifest.rows !== rows || !manifest.verified) {
      throw new Error(`rows (${what}): inserted ${rows}, summary ${summary.total.rows}, manifest ${manifest.rows} (verified ${manifest.verified})`);
    }
    return manifest.bytes;
  }
  // The five tables' check: the raw table holds the day, the split tables add up to it, every
  // table verified; returns the bytes of the five tables.
  async function checkFive(what) {
    const m = {};
    for (const t of [RAW_TABLE, ...SPLIT_TABLES, ROLLUP_TABLE]) {
      m[t] = JSON.parse((await env.h.objectBytes(manifestKey(DAY, t))).toString('utf8'));
      if (!m[t].verified) throw new Error(`${what}: ${t} is not verified`);
    }
    const split = SPLIT_TABLES.reduce((a, t) => a + m[t].rows, 0);
    if (m[RAW_TABLE].rows !== rows || split !== rows || !(m[ROLLUP_TABLE].rows > 0)) {
      throw new Error(`rows (${what}): inserted ${rows}, raw ${m[RAW_TABLE].rows}, split ${split}, rollup ${m[ROLLUP_TABLE].rows}`);
    }
    return Object.values(m).reduce((a, x) => a + x.bytes, 0);
  }

  // `runs` syncs with config `cfg`; returns each run's figures.
  async function syncRuns(what, cfg, runs, check = (stdout) => checkSingle(what, stdout)) {
    const out = [];
    for (let run = 1; run <= runs; run++) {
      const gw0 = env.gw.requests.length;
      const s30 = env.h.requests.length;
      const ch0 = cpuSecondsOf(chPid);
      const self0 = selfCpu();
      t0 = Date.now();
      const res = await runProcess(
        '/usr/bin/time',
        ['-f', '%e %M %U %S', '-o', timeFile, BIN, '--log-level', 'warn', '--no-progress', 'sync', '-c', cfg, '--date', DAY, '--now', now,
          ...(exported > 0 ? ['--force'] : [])],
        { cwd: env.scratch, env: childEnv, timeoutMs: 900_000 },
      );
      const wall = (Date.now() - t0) / 1000;
      const chCpu = cpuSecondsOf(chPid) - ch0;
      const nodeCpu = selfCpu() - self0;
      const stdout = res.stdout.toString('utf8');
      if (res.code !== 0) throw new Error(`aesync sync (${what}): exit ${res.code ?? res.signal}\n${stdout}\n${res.stderr.slice(-4000)}`);
      exported++;
      // time(1) writes "Command exited with non-zero status N" first when the command failed.
      const [seconds, rssKiB, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      rmSync(timeFile, { force: true });
      const outBytes = await check(stdout);
      const ae = env.gw.requests.slice(gw0);
      const data = ae.filter((r) => !r.verify && r.window);
      if (data.length) windows = data.map((r) => r.window);
      const r = {
        seconds,
        wall,
        rows_per_s: rows / seconds,
        rss_mib: rssKiB / 1024,
        aesync_cpu: user + sys,
        node_cpu: nodeCpu,
        clickhouse_cpu: chCpu,
        out_bytes: outBytes,
        gateway_requests: ae.length,
        s3_requests: env.h.requests.length - s30,
      };
      out.push(r);
      log(`${what} run ${run}: ${seconds.toFixed(2)} s, ${Math.round(r.rows_per_s)} rows/s, peak RSS ${r.rss_mib.toFixed(1)} MiB, ` +
        `CPU s: aesync ${r.aesync_cpu.toFixed(2)}, node harness ${nodeCpu.toFixed(2)}, ClickHouse ${chCpu.toFixed(2)}`);
    }
    return out;
  }

  const live = REPLAYED_ONLY ? [] : await syncRuns('live', config, RUNS);

  // Five tables from the same read, live.
  const five = REPLAYED_ONLY ? [] : await fiveTables();
  // The five tables' runs; fails when they made other AE requests than the single table.
  async function fiveTables() {
    const fiveConfig = writeTablesConfig(env, 'bench-five.toml', [
      tablesToml([{ name: 'machine_metrics', prefix: RAW_TABLE }]),
      exampleTablesText(join(EXAMPLES, 'tables-by-metric-type.toml')),
      exampleTablesText(join(EXAMPLES, 'tables-hourly-rollup.toml')),
    ].join('\n'), { source: { timeout: '120s', window: WINDOW, verify: VERIFY } });
    const five = await syncRuns('five tables', fiveConfig, TABLES_RUNS, () => checkFive('five tables'));
    if (five.some((r) => r.gateway_requests !== live[0].gateway_requests)) {
      throw new Error(`five tables: ${five.map((r) => r.gateway_requests)} AE requests, one table: ${live[0].gateway_requests}`);
    }
    return five;
  }

  // Replayed: one sync through the recording proxy (not counted), then RUNS from its memory.
  replay = await startReplay(env.gw.url);
  const replayConfig = env.config('bench-replay.toml', { source: { timeout: '120s', window: WINDOW, verify: VERIFY, api_base: replay.url } });
  await syncRuns('recording', replayConfig, 1);
  const replayed0 = replay.stats.replayed;
  const replayed = await syncRuns('replayed', replayConfig, RUNS);
  if (replayed.some((r) => r.gateway_requests !== 0) || replay.stats.replayed === replayed0) {
    throw new Error('the replayed runs reached the gateway');
  }

  // The source alone: the same window queries, through the gateway and straight from ClickHouse.
  const gwUrl = new URL(env.gw.sqlUrl);
  const source = REPLAYED_ONLY ? null : {};
  for (const [name, port, path, headers] of [
    ['gateway', env.gw.port, gwUrl.pathname, { Authorization: `Bearer ${env.token}` }],
    ['clickhouse', env.ch.httpPort, '/?output_format_json_quote_denormals=1', {}],
  ].filter(() => !REPLAYED_ONLY)) {
    const ch0 = cpuSecondsOf(chPid);
    const self0 = selfCpu();
    t0 = Date.now();
    let lines = 0;
    for (const w of windows) lines += (await fetchToNull(port, path, headers, windowSql(w.from, w.to))).lines;
    const seconds = (Date.now() - t0) / 1000;
    if (lines !== rows) throw new Error(`${name}: ${lines} lines for ${rows} rows`);
    source[name] = { seconds, rows_per_s: rows / seconds, clickhouse_cpu: cpuSecondsOf(chPid) - ch0, node_cpu: selfCpu() - self0 };
    log(`source alone (${name}): ${seconds.toFixed(2)} s, ${Math.round(rows / seconds)} rows/s`);
  }

  const medians = (runs) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
  console.log(JSON.stringify({
    rows,
    day: DAY,
    window: WINDOW,
    verify: VERIFY,
    windows: windows.length,
    json_bytes: env.gw.requests.filter((r) => !r.verify && r.window).slice(0, windows.length).reduce((a, r) => a + r.bytes, 0),
    clickhouse_version: chVersion,
    machines: MACHINES,
    orgs: ORGS,
    long_process_names: LONG_NAMES,
    runs: RUNS,
    median: REPLAYED_ONLY ? null : medians(live),
    replayed: medians(replayed),
    five_tables: REPLAYED_ONLY ? null : { tables: [RAW_TABLE, ...SPLIT_TABLES, ROLLUP_TABLE], runs: TABLES_RUNS, median: medians(five) },
    each: { live, replayed, five_tables: five },
    source,
  }));
} finally {
  await replay?.close();
  await env.close();
}
