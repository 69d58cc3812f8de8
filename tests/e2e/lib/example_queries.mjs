// The two questions of docs/example-queries.md as ClickHouse SQL (chdb), over any table that has
// the columns they name, and the generated `events` table they join with. Shared by
// example_queries.test.mjs (exported table vs source rows) and tables.test.mjs (split tables vs
// the raw table). `e.properties.machine_id` is JSONExtractString(e.properties, 'machine_id');
// joins use SQL NULL semantics (join_use_nulls = 1, as HogQL's LEFT JOIN); now() is a fixed time
// consistent with the data.

const DAY_MS = 86_400_000;

export const SETTINGS = 'SETTINGS join_use_nulls = 1, output_format_json_quote_64bit_integers = 0';

/** ClickHouse's literal of an ISO time such as '2026-03-01T12:00:00Z' (the query's now()). */
export function nowSql(iso) {
  return `toDateTime64('${iso.replace('T', ' ').replace('Z', '')}', 3, 'UTC')`;
}

/**
 * Events relative to `nowIso`: machine_created (some older than 30 days, some for machines without
 * metrics), session_started (some older than 7 days), noise. Returns { events, counts }.
 */
export function genEvents(rng, fleet, nowIso) {
  const nowMs = Date.parse(nowIso);
  const events = [];
  const ts = (agoMs) => new Date(nowMs - agoMs).toISOString().replace('T', ' ').replace('Z', '');
  const props = (machineId) => JSON.stringify({ machine_id: machineId, $browser: rng.pick(['Chrome', 'Firefox', 'Safari']), note: 'é日本' });
  const counts = { created: 0, createdRecent: 0, sessions: 0, sessionsRecent: 0 };
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
  return { events, counts };
}

/** The ClickHouse table expression over an events JSONEachRow file (genEvents' objects, one a line). */
export function eventsTable(path, sqlString) {
  return `file(${sqlString(path)}, 'JSONEachRow', ${sqlString("distinct_id String, event String, timestamp DateTime64(3, 'UTC'), properties String")})`;
}

/**
 * Query 1 ("does startup time relate to retention?") with `m` = `table`, its machine id, metric
 * type and time-to-ready columns named by the caller; `events` a table expression, `now` SQL.
 */
export function startupVsRetention(table, { machineId, metricType, timeToReady }, { events, now }) {
  return `SELECT
  CASE
    WHEN m.${timeToReady} < 30000 THEN 'fast (<30s)'
    WHEN m.${timeToReady} < 60000 THEN 'medium (30-60s)'
    ELSE 'slow (>60s)'
  END AS startup_speed,
  COUNT(DISTINCT e.distinct_id) AS users,
  COUNT(DISTINCT CASE WHEN retained.distinct_id IS NOT NULL THEN e.distinct_id END) AS retained_users
FROM ${events} AS e
JOIN ${table} AS m ON JSONExtractString(e.properties, 'machine_id') = m.${machineId}
LEFT JOIN (
  SELECT DISTINCT distinct_id FROM ${events}
  WHERE event = 'session_started' AND timestamp > ${now} - INTERVAL 7 DAY
) AS retained ON e.distinct_id = retained.distinct_id
WHERE e.event = 'machine_created'
  AND e.timestamp > ${now} - INTERVAL 30 DAY
  AND m.${metricType} = 'startup'
GROUP BY startup_speed
ORDER BY startup_speed
${SETTINGS}`;
}

/**
 * Query 2 ("which orgs have the most machine health issues?"), plus what makes it comparable
 * exactly: the sum of cpu_percent in hundredths (the values have two decimals; a float sum
 * depends on the order of the rows) and the weighted count the notes recommend.
 */
export function unhealthyOrgs(table, { orgId, metricType, cpu, memory, sampleInterval }) {
  return `SELECT m.${orgId} AS org_id, COUNT(*) AS unhealthy_events, AVG(m.${cpu}) AS avg_cpu_when_unhealthy,
  sum(toInt64(round(m.${cpu} * 100))) AS cpu_hundredths, sum(m.${sampleInterval}) AS weighted_events
FROM ${table} AS m
WHERE m.${metricType} = 'resource' AND (m.${cpu} > 90 OR m.${memory} > 90)
GROUP BY m.${orgId}
ORDER BY unhealthy_events DESC, org_id
${SETTINGS}`;
}

/** The column names of the built-in mapping the two queries use. */
export const BUILTIN_QUERY_COLUMNS = {
  startup: { machineId: 'machine_id', metricType: 'metric_type', timeToReady: 'time_to_ready_ms' },
  unhealthy: { orgId: 'org_id', metricType: 'metric_type', cpu: 'cpu_percent', memory: 'memory_percent', sampleInterval: 'sample_interval' },
};
