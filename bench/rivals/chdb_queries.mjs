// `make bench`, PostHog's side: how fast ClickHouse (chdb, the engine PostHog queries with) reads
// aesync's Parquet file against DuckDB's file of the same rows. Three queries, each over
// file('<parquet>', Parquet):
//   startup    docs/example-queries.md's first question in the form tests/e2e/example_queries.test.mjs
//              runs it (tests/e2e/lib/example_queries.mjs startupVsRetention): the generated
//              `events` table (genEvents over the day's fleet, a JSONEachRow file) joined with the
//              file on machine_id, filtered on metric_type = 'startup', bucketed by time_to_ready_ms;
//   unhealthy  the second question (unhealthyOrgs): a filter on metric_type / cpu / memory and a
//              GROUP BY org_id over the file alone;
//   scan       a full scan: sum() of every numeric column (the timestamp as epoch ms, sample_interval,
//              value1..4, cpu_percent, memory_percent, time_to_ready_ms), count() and
//              count(DISTINCT machine_id).
// All in this one process (chdb is in-process ClickHouse with its default threads: every core):
// one warm-up run of each query over each file, then RUNS timed runs, the two files alternating
// and the order flipping every run (aesync first on odd runs, DuckDB first on even ones); the time
// of a run is query() alone, from the SQL to the JSONEachRow text. Before any timing the two files
// must give the same answers to every query (strings and 64-bit integers exactly, JSON numbers to a
// relative 1e-9: ClickHouse adds floats up in thread order), or the script fails (exit 1).
//
//   node bench/rivals/chdb_queries.mjs --aesync A.parquet --duckdb D.parquet [--runs 7]
//        [--seed 11] [--machines 5000] [--orgs 200] [--day 2026-02-03]
// --seed/--machines/--orgs name the generator's fleet (scripts/gen-ae-sample.mjs), so the events
// refer to the machines of the file. Prints one JSON line: {"chdb":version,"runs":N,"queries":
// {"startup":{"aesync":s,"duckdb":s,"ratio":r,"each":{...}},...},"same_answers":true}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { query } from 'chdb';

import { makeFleet } from '../../tests/e2e/lib/ae_rows.mjs';
import { BUILTIN_QUERY_COLUMNS, eventsTable, genEvents, nowSql, startupVsRetention, unhealthyOrgs } from '../../tests/e2e/lib/example_queries.mjs';
import { Rng } from '../../tests/e2e/lib/prng.mjs';
import { sqlString } from '../../tests/e2e/lib/readers.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []),
);
if (!args.aesync || !args.duckdb) {
  console.error('usage: node bench/rivals/chdb_queries.mjs --aesync A.parquet --duckdb D.parquet [--runs 7] [--seed 11] [--machines 5000] [--orgs 200] [--day 2026-02-03]');
  process.exit(2);
}
const FILES = { aesync: resolve(args.aesync), duckdb: resolve(args.duckdb) };
const RUNS = Number(args.runs ?? 7);
const SEED = Number(args.seed ?? 11);
const DAY = args.day ?? '2026-02-03';
// now() of the first question: two days after the day (the events are relative to it).
const NOW = new Date(Date.parse(`${DAY}T00:00:00Z`) + 2 * 86_400_000).toISOString().replace('.000Z', 'Z');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The events of the first question, over the generator's fleet of this seed (makeFleet is the
// generator's first use of its Rng, so the same call gives the same machines).
const scratch = mkdtempSync(join(tmpdir(), 'aesync-chdb-queries-'));
try {
  const fleet = makeFleet(new Rng(SEED), { machines: Number(args.machines ?? 5000), orgs: Number(args.orgs ?? 200) });
  const { events } = genEvents(new Rng(SEED + 1), fleet, NOW);
  const eventsPath = join(scratch, 'events.jsonl');
  writeFileSync(eventsPath, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const EVENTS = eventsTable(eventsPath, sqlString);

  const table = (path) => `file(${sqlString(path)}, Parquet)`;
  const NUMERIC = ['sample_interval', 'value1', 'value2', 'value3', 'value4', 'cpu_percent', 'memory_percent', 'time_to_ready_ms'];
  const QUERIES = {
    startup: (path) => startupVsRetention(table(path), BUILTIN_QUERY_COLUMNS.startup, { events: EVENTS, now: nowSql(NOW) }),
    unhealthy: (path) => unhealthyOrgs(table(path), BUILTIN_QUERY_COLUMNS.unhealthy),
    scan: (path) =>
      `SELECT count() AS rows, count(DISTINCT machine_id) AS machines, sum(toUnixTimestamp64Milli(timestamp)) AS sum_timestamp_ms, ` +
      `${NUMERIC.map((c) => `sum(${c}) AS sum_${c}`).join(', ')} FROM ${table(path)} ` +
      'SETTINGS output_format_json_quote_64bit_integers = 1',
  };

  const run = (name, tool) => {
    const sql = QUERIES[name](FILES[tool]);
    const t0 = performance.now();
    const text = query(sql, 'JSONEachRow');
    return { seconds: (performance.now() - t0) / 1000, text };
  };
  const rowsOf = (text) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  // Equal answers: the same rows and keys; JSON numbers to a relative 1e-9 (which leaves the
  // counts of these queries exact; 64-bit integer sums come quoted, as strings, compared exactly).
  const sameValue = (a, b) =>
    typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) : a === b;
  const differences = [];
  const answers = {};

  // Warm-up, and the answers compared.
  for (const name of Object.keys(QUERIES)) {
    const a = rowsOf(run(name, 'aesync').text);
    const d = rowsOf(run(name, 'duckdb').text);
    answers[name] = a;
    if (a.length === 0) differences.push(`${name}: no rows`);
    if (a.length !== d.length) differences.push(`${name}: ${a.length} rows from aesync's file, ${d.length} from DuckDB's`);
    for (let i = 0; i < Math.min(a.length, d.length); i++) {
      const keys = new Set([...Object.keys(a[i]), ...Object.keys(d[i])]);
      for (const k of keys) {
        if (!sameValue(a[i][k], d[i][k])) differences.push(`${name}: row ${i} ${k}: aesync's file ${JSON.stringify(a[i][k])}, DuckDB's ${JSON.stringify(d[i][k])}`);
      }
    }
  }
  if (differences.length) {
    console.error(`chdb_queries: the two files give different answers:\n  ${differences.slice(0, 20).join('\n  ')}`);
    process.exit(1);
  }

  const each = Object.fromEntries(Object.keys(QUERIES).map((n) => [n, { aesync: [], duckdb: [] }]));
  for (let r = 1; r <= RUNS; r++) {
    const order = r % 2 ? ['aesync', 'duckdb'] : ['duckdb', 'aesync'];
    for (const name of Object.keys(QUERIES)) {
      for (const tool of order) each[name][tool].push(run(name, tool).seconds);
    }
  }
  const queries = Object.fromEntries(
    Object.entries(each).map(([name, e]) => {
      const a = median(e.aesync);
      const d = median(e.duckdb);
      return [name, { aesync: a, duckdb: d, ratio: a / d, each: e }];
    }),
  );
  console.log(JSON.stringify({
    chdb: query('SELECT version()', 'TSV').trim(),
    runs: RUNS,
    now: NOW,
    events: events.length,
    queries,
    answers: { startup: answers.startup, unhealthy_orgs: answers.unhealthy.length, scan: answers.scan[0] },
    same_answers: true,
  }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
