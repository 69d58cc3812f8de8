// Child-process side of s3_tools.mjs's chdbQueryAsync: reads one SQL statement from stdin, runs
// it in chdb with the output format named by argv[2], writes the result to stdout. An error
// exits 1 with ClickHouse's message on stderr.
import { query } from 'chdb';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const sql = Buffer.concat(chunks).toString('utf8');
try {
  process.stdout.write(query(sql, process.argv[2] || 'JSONEachRow'));
} catch (err) {
  process.stderr.write(`${err.message ?? err}\n`);
  process.exitCode = 1;
}
