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
const NOW_SQL = "toDateTime64('2026-03-01 12:00:00', 3, 'UTC')";
const NOW_MS = Date.parse(NOW);
const DAY_MS = 86_400_000;

let env;
let M; // the exported table: s3(...)
let SRC; // the source rows: raw AE columns
let EVENTS;
let counts; // sanity numbers of the generated events

/** Events: machine_created (some older than 30 days, some for machines without metrics), session_started (some older than 7 days), noise. */
function genEvents(rng, fleet) {
  const events = [];
  const ts = (agoMs) => new Date(NOW_MS - agoMs).toISOString().replace('T', ' ').replace('Z', '');
  const props = (machineId) => JSON.stringify({ machine_id: machineId, $browser: rng.pick(['Chrome', 'Firefox', 'Safari']), note: 'é日本' });
  counts = { created: 0, createdRecent: 0, sessions: 0, sessionsRecent: 0 };
  for (let u = 0; u < 240; u++) {
    const user = `user_${u.toString().padStart(4, '0')}`;
    const machines = rng.range(1, 3);
    for (let i = 0; i < machines; i++) {
      const id = rng.chance(0.1) ? `m_unknown_${rng.hex(6)}` : rng.pick(fleet).id;
      const ago = rng.int(45 * DAY_MS);
      events.push({ distinct_id: user, event: 'machine_created', timestamp: ts(ago), properties: props(id) });
      counts.created++;
      if (ago < 30 * DAY_MS) counts.createdRecent++;
      if (rng.chance(0.3)) events.push({ distinct_id: user, event: 'machine_started', timestamp: ts(rng.int(45 * DAY_MS)), properties: props(id) });
    }
    const sessions = rng.weighted([[0, 30], [1, 30], [3, 40]]);
    for (let i = 0; i < sessions; i++) {
      const ago = rng.int(14 * DAY_MS);
      events.push({ distinct_id: user, event: 'session_started', timestamp: ts(ago), properties: '{}' });
      counts.sessions++;
      if (ago < 7 * DAY_MS) counts.sessionsRecent++;
    }
  }
  // On the edges of the time filters (strictly greater: both are out).
  events.push({ distinct_id: 'user_edge', event: 'machine_created', timestamp: ts(30 * DAY_MS), properties: props(fleet[0].id) });
  events.push({ distinct_id: 'user_0000', event: 'session_started', timestamp: ts(7 * DAY_MS), properties: '{}' });
  return events;
}

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
  writeFileSync(eventsPath, genEvents(rng, fleet).map((e) => JSON.stringify(e)).join('\n') + '\n');
  EVENTS = `file(${sqlString(eventsPath)}, 'JSONEachRow', ${sqlString("distinct_id String, event String, timestamp DateTime64(3, 'UTC'), properties String")})`;
});

after(async () => {
  await env?.close();
});

const SETTINGS = 'SETTINGS join_use_nulls = 1, output_format_json_quote_64bit_integers = 0';

/** Query 1 with `m` = `table`, its machine id, metric type and time-to-ready columns named by the caller. */
function startupVsRetention(table, { machineId, metricType, timeToReady }) {
  return `SELECT
  CASE
    WHEN m.${timeToReady} < 30000 THEN 'fast (<30s)'
    WHEN m.${timeToReady} < 60000 THEN 'medium (30-60s)'
    ELSE 'slow (>60s)'
  END AS startup_speed,
  COUNT(DISTINCT e.distinct_id) AS users,
  COUNT(DISTINCT CASE WHEN retained.distinct_id IS NOT NULL THEN e.distinct_id END) AS retained_users
FROM ${EVENTS} AS e
JOIN ${table} AS m ON JSONExtractString(e.properties, 'machine_id') = m.${machineId}
LEFT JOIN (
  SELECT DISTINCT distinct_id FROM ${EVENTS}
  WHERE event = 'session_started' AND timestamp > ${NOW_SQL} - INTERVAL 7 DAY
) AS retained ON e.distinct_id = retained.distinct_id
WHERE e.event = 'machine_created'
  AND e.timestamp > ${NOW_SQL} - INTERVAL 30 DAY
  AND m.${metricType} = 'startup'
GROUP BY startup_speed
ORDER BY startup_speed
${SETTINGS}`;
}

/**
 * Query 2, plus what makes it comparable exactly: the sum of cpu_percent in hundredths (the
 * values have two decimals; a float sum depends on the order of the rows) and the weighted
 * count the notes recommend.
 */
function unhealthyOrgs(table, { orgId, metricType, cpu, memory, sampleInterval }) {
  return `SELECT m.${orgId} AS org_id, COUNT(*) AS unhealthy_events, AVG(m.${cpu}) AS avg_cpu_when_unhealthy,
  sum(toInt64(round(m.${cpu} * 100))) AS cpu_hundredths, sum(m.${sampleInterval}) AS weighted_events
FROM ${table} AS m
WHERE m.${metricType} = 'resource' AND (m.${cpu} > 90 OR m.${memory} > 90)
GROUP BY m.${orgId}
ORDER BY unhealthy_events DESC, org_id
${SETTINGS}`;
}

test(`startup speed vs retention: the exported table gives the source's answer (seed=${SEED})`, async (t) => {
  const exported = await chdbObjectsAsync(startupVsRetention(M, { machineId: 'machine_id', metricType: 'metric_type', timeToReady: 'time_to_ready_ms' }));
  const source = await chdbObjectsAsync(startupVsRetention(SRC, { machineId: 'index1', metricType: 'blob4', timeToReady: 'double1' }));
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
