// `make bench` rival: DuckDB doing what `aesync convert` does with the built-in mapping (docs/configuration.md)
// and zstd, so the two can be compared on the same input and machine. It reads an AE
// JSONEachRow dump with read_json, maps the 13 raw columns to the 15 named, typed columns in SQL
// (the SQL of tests/e2e/convert_vs_duckdb.test.mjs, which proves it equals aesync's output row
// for row, minus its ORDER BY ordinality, since DuckDB keeps input order by default, and with
// numeric columns read as typed columns, DuckDB's fastest form), and writes Parquet with
// COPY ... (FORMAT parquet, COMPRESSION zstd).
//
// What is held equal to aesync: the input file, the mapping, zstd, row groups of 262,144 rows
// (aesync's row_group_rows); timestamps are written as TIMESTAMP(MILLIS) like aesync's. DuckDB
// uses its default thread count (every core), as aesync does (it parses on one thread and
// encodes on two). The zstd level is DuckDB's default (3) unless LEVEL is given (aesync's
// default is 1; `make bench` runs DuckDB both ways).
//
//   node bench/rivals/duckdb_convert.mjs IN.jsonl OUT.parquet [LEVEL]
// prints one JSON line: {"tool":"duckdb","version":...,"rows":N,"threads":T,"copy_seconds":S,
// "startup_seconds":U,"startup_rss_mib":M}: S is the COPY statement alone; U and M are what node
// and DuckDB took before it (the bench's process timing and peak RSS include them).
import { DuckDBInstance, version } from '@duckdb/node-api';

const [input, output, level] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node bench/rivals/duckdb_convert.mjs IN.jsonl OUT.parquet');
  process.exit(2);
}

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

// Raw columns with their types. AE may send numbers as JSON strings ("37.5", "nan"); read_json
// converts those into DOUBLE/BIGINT columns as it does JSON numbers (checked: "37.5" -> 37.5,
// "nan" -> NaN, "100" -> 100), and typed columns are faster than VARCHAR plus a CAST.
const RAW = {
  timestamp: 'VARCHAR', index1: 'VARCHAR', blob1: 'VARCHAR', blob2: 'VARCHAR', blob3: 'VARCHAR', blob4: 'VARCHAR',
  blob5: 'VARCHAR', _sample_interval: 'BIGINT', double1: 'DOUBLE', double2: 'DOUBLE', double3: 'DOUBLE', double4: 'DOUBLE',
};
const columns = `{${Object.entries(RAW).map(([k, t]) => `'${k}': '${t}'`).join(', ')}}`;

const mapped = `
  SELECT
    CAST(strptime("timestamp", '%Y-%m-%d %H:%M:%S') AS TIMESTAMP_MS) AS "timestamp",
    index1 AS machine_id,
    blob1 AS org_id,
    blob2 AS project_id,
    blob3 AS machine_type,
    blob4 AS metric_type,
    NULLIF(blob5, '') AS process_name,
    _sample_interval AS sample_interval,
    double1 AS value1,
    double2 AS value2,
    double3 AS value3,
    double4 AS value4,
    CASE WHEN blob4 = 'resource' THEN double1 END AS cpu_percent,
    CASE WHEN blob4 = 'resource' THEN double2 END AS memory_percent,
    CASE WHEN blob4 = 'startup' THEN double1 END AS time_to_ready_ms
  FROM read_json(${sqlString(input)}, format = 'newline_delimited', columns = ${columns})`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const threads = (await (await con.runAndReadAll("SELECT current_setting('threads')")).getRows())[0][0];
// performance.now() counts from the process's start: what node and DuckDB cost before the COPY.
const started = performance.now();
const startupRss = process.memoryUsage().rss;
const result = await con.runAndReadAll(
  `COPY (${mapped}) TO ${sqlString(output)} (FORMAT parquet, COMPRESSION zstd, ` +
    `${level ? `COMPRESSION_LEVEL ${Number(level)}, ` : ''}ROW_GROUP_SIZE 262144)`,
);
const copySeconds = (performance.now() - started) / 1000;
// COPY answers with the number of rows written.
const rows = Number(result.getRows()[0][0]);
console.log(JSON.stringify({ tool: 'duckdb', version: version(), rows, threads: Number(threads), copy_seconds: copySeconds,
  startup_seconds: started / 1000, startup_rss_mib: startupRss / 1048576 }));
