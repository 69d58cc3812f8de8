// The acceptance story of docs/example-queries.md: after a sync from the AE gateway to S3, the
// two questions users ask in PostHog (startup speed vs retention; orgs with the most unhealthy
// resource samples), run in ClickHouse (chdb) over s3('<prefix>/*/data.parquet') joined with a
// generated `events` table, give the same answers as the same questions asked of the source
// rows (raw AE columns: index1, blob1, blob4, double1, double2). now() is a fixed time
// consistent with the data; `e.properties.machine_id` is JSONExtractString(e.properties,
// 'machine_id'); joins use SQL NULL semantics (join_use_nulls = 1, as HogQL's LEFT JOIN).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PREFIX, assertExit, dumpSource, parseSummary, startAeEnv, statuses } from './lib/ae_env.mjs';
import { eventsTable, genEvents, nowSql, startupVsRetention, unhealthyOrgs } from './lib/example_queries.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { sqlString } from './lib/readers.mjs';
import { chdbObjectsAsync } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(777);
const FIRST = '2026-02-20';
const DAYS = Array.from({ length: 7 }, (_, i) => addDays(FIRST, i));
const NOW = '2026-03-01T12:00:00Z';
const NOW_SQL = nowSql(NOW);

let env;
let M; // the exported table: s3(...)
let SRC; // the source rows: raw AE columns
let EVENTS;
let counts; // sanity numbers of the generated events

before(async () => {
  env = await startAeEnv({ tag: 'example-queries' });
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 150, orgs: 12 });
  // Startup times up to 2 minutes: all three speed buckets are populated.
  const n = await insertRows(env.ch, 'machine_metrics', streamMachineMetrics(rng, { startDay: FIRST, days: DAYS.length, rowsPerDay: 3000, fleet, maxStartupMs: 120_000 }));
  assert.ok(n > 20_000, `${n} rows`);
  const config = env.config('ae.toml');
  const res = await env.aesync(['sync', '-c', config, '--from', DAYS[0], '--to', DAYS.at(-1), '--now', NOW]);
  assertExit(res, 0, 'backfill');
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(DAYS.map((d) => [d, 'ok'])));
  M = env.s3Fn(`${PREFIX}/*/data.parquet`);
  const raw = join(env.scratch, 'source.jsonl');
  assert.equal(await dumpSource(env.ch, 'machine_metrics', raw), n);
  SRC = `file(${sqlString(raw)}, 'JSONEachRow', ${sqlString(
    'timestamp String, _sample_interval UInt32, index1 String, blob1 String, blob2 String, blob3 String, blob4 String, ' +
      'blob5 String, double1 Float64, double2 Float64, double3 Float64, double4 Float64',
  )})`;
  const eventsPath = join(env.scratch, 'events.jsonl');
  let events;
  ({ events, counts } = genEvents(rng, fleet, NOW));
  writeFileSync(eventsPath, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  EVENTS = eventsTable(eventsPath, sqlString);
});

after(async () => {
  await env?.close();
});

test(`startup speed vs retention: the exported table gives the source's answer (seed=${SEED})`, async (t) => {
  const exported = await chdbObjectsAsync(startupVsRetention(M, { machineId: 'machine_id', metricType: 'metric_type', timeToReady: 'time_to_ready_ms' }, { events: EVENTS, now: NOW_SQL }));
  const source = await chdbObjectsAsync(startupVsRetention(SRC, { machineId: 'index1', metricType: 'blob4', timeToReady: 'double1' }, { events: EVENTS, now: NOW_SQL }));
  t.diagnostic(JSON.stringify(exported));
  assert.deepEqual(exported, source);
  // The answer is not trivial: three buckets, each with users, some retained and some not.
  assert.deepEqual(exported.map((r) => r.startup_speed), ['fast (<30s)', 'medium (30-60s)', 'slow (>60s)']);
  for (const r of exported) assert.ok(r.users > 10 && r.retained_users > 0 && r.retained_users < r.users, JSON.stringify(r));
  assert.ok(counts.createdRecent < counts.created && counts.sessionsRecent < counts.sessions, JSON.stringify(counts));
});

test('orgs with the most unhealthy resource samples: the exported table gives the source\'s answer', async (t) => {
  const exported = await chdbObjectsAsync(unhealthyOrgs(M, { orgId: 'org_id', metricType: 'metric_type', cpu: 'cpu_percent', memory: 'memory_percent', sampleInterval: 'sample_interval' }));
  const source = await chdbObjectsAsync(unhealthyOrgs(SRC, { orgId: 'blob1', metricType: 'blob4', cpu: 'double1', memory: 'double2', sampleInterval: '_sample_interval' }));
  t.diagnostic(JSON.stringify(exported.slice(0, 3)));
  assert.equal(exported.length, 12, 'every org has unhealthy samples');
  const exact = (rows) => rows.map(({ avg_cpu_when_unhealthy: _, ...r }) => r);
  assert.deepEqual(exact(exported), exact(source));
  for (let i = 0; i < exported.length; i++) {
    const a = exported[i].avg_cpu_when_unhealthy;
    const b = source[i].avg_cpu_when_unhealthy;
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${exported[i].org_id}: avg ${a} vs ${b}`);
    // The average is what the hundredths say.
    const avg = exported[i].cpu_hundredths / 100 / exported[i].unhealthy_events;
    assert.ok(Math.abs(a - avg) <= 1e-9 * avg, `${exported[i].org_id}: avg ${a} vs ${avg}`);
  }
  for (let i = 1; i < exported.length; i++) assert.ok(exported[i - 1].unhealthy_events >= exported[i].unhealthy_events);
  assert.ok(exported.some((r) => r.weighted_events > r.unhealthy_events), 'sampled rows weigh more than one');
});
