// The progress line on a real terminal (issue 14; docs/observability.md): `aesync sync` runs in
// a tmux pane (Debian's tmux, installed by scripts/install-deps.sh) against the AE gateway (a
// real ClickHouse behind it) and the S3 harness, a three-day backfill with one worker. The
// gateway answers one window of the second day 503 (aesync logs "warn: retrying" and retries)
// and holds the third day's first window mid-body. The test captures the pane and asserts:
// - the progress line is the pane's last line, one copy only: `P% | day 3/3 <day> | window
//   00:00-06:00 | N rows | R rows/s | B | ETA E`;
// - the retry's log line sits above it, whole: the bar was erased before it and drawn again
//   after it, so no log line carries a piece of the bar and no bar was left behind;
// then sends C-c to the pane: aesync exits 130 (the status a wrapping shell writes), the pane shows the one
// summary line naming the committed and the not committed days, and no bar is left on screen.
// `convert` reading a FIFO the test holds open draws its line too (rows, rows/s; no ETA: a
// pipe has no size), and C-c stops it: exit 130, no output file.
//
// No sleeps as synchronisation: each step polls the pane (capture-pane) or the gateway's state
// until a condition holds, with a deadline. A tmux server of its own (-L), removed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { AESYNC_BIN } from './lib/aesync.mjs';
import { startAeEnv, unixOf } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const run = promisify(execFile);
const SEED = seedFromEnv(20261215);
const TODAY = new Date().toISOString().slice(0, 10);
const D1 = addDays(TODAY, -1);
const D2 = addDays(TODAY, -2);
const D3 = addDays(TODAY, -3);
const SOCKET = `aesync-e2e-progress-${process.pid}`;
const SESSION = 'sync';

let env;
let tmuxConf;

const tmux = async (...args) => (await run('tmux', ['-L', SOCKET, '-f', tmuxConf, ...args], { encoding: 'utf8' })).stdout;

/** The pane's lines, history included, wrapped lines joined, trailing blanks dropped. */
async function paneLines(session = SESSION) {
  const text = await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length && lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * The pane's command: `argv` run by a shell that writes its exit status to `statusFile` (tmux's
 * own dead-pane status was seen to lag behind the process's exit on a loaded machine). The
 * shell traps SIGINT (C-c reaches the whole foreground group) so that it outlives aesync.
 */
function withStatusFile(statusFile, argv) {
  return ['sh', '-c', `trap ':' INT; "$0" "$@"; echo $? > '${statusFile}'`, ...argv];
}

/** The exit status written by withStatusFile's shell, or null while the command runs. */
function exitStatus(statusFile) {
  return existsSync(statusFile) ? readFileSync(statusFile, 'utf8').trim() || null : null;
}

/** Polls `cond()` every 25 ms until it returns a truthy value (returned); fails after the deadline. */
async function until(cond, what, timeoutMs = 30_000, session = SESSION) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the pane:\n${(await paneLines(session)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// A progress line of the third day reading its first window.
const BAR = new RegExp(
  `^\\d{1,3}% \\| day 3/3 ${D1} \\| window 00:00-06:00 \\| \\d+ rows \\| \\d+ rows/s \\| (\\d+(\\.\\d)? (B|KiB|MiB) \\| )?ETA (--|\\d+s|\\d+m\\d\\ds)$`,
);
const isLogLine = (l) => /^(debug|info|warn|error): /.test(l);

before(async () => {
  env = await startAeEnv({ tag: 'progress-tty' });
  const rng = new Rng(SEED);
  const rows = [...streamMachineMetrics(rng, { startDay: D3, days: 3, rowsPerDay: 3000, fleet: makeFleet(rng, { machines: 30, orgs: 4 }) })];
  assert.equal(await insertRows(env.ch, 'machine_metrics', rows), rows.length);
  // The pane stays after aesync exits, with its exit status; nothing of the user's tmux setup.
  tmuxConf = join(env.scratch, 'tmux.conf');
  writeFileSync(tmuxConf, 'set -g remain-on-exit on\nset -g history-limit 10000\n');
});

after(async () => {
  await tmux('kill-server').catch(() => {});
  await env?.close();
});

test('sync on a terminal: the progress line under the log, a log line above it, Ctrl-C exits 130 with one line', async () => {
  const config = env.config('tty.toml', { source: { window: '6h' }, sync: { concurrency: 1 } });
  env.gw.configure({ latencyMs: 100 }); // a real API's round trip: the bar has time to show
  const retried = env.gw.addFault({ type: 'status', status: 503, when: { kind: 'data', overlaps: [unixOf(D2), unixOf(D2) + 86_400] } });
  const stall = env.gw.addFault({ type: 'delay', ms: 120_000, afterLines: 3, when: { kind: 'data', overlaps: [unixOf(D1), unixOf(D1) + 86_400] } });
  try {
    const vars = {
      AE_TOKEN: env.token,
      E2E_S3_KEY_ID: env.h.accessKeyId,
      E2E_S3_SECRET: env.h.secretAccessKey,
      AESYNC_RETRY_BASE_MS: '5',
      AESYNC_BUDGET_PER_MINUTE: '1000000',
      AESYNC_CONFIG: '',
    };
    await tmux(
      'new-session', '-d', '-s', SESSION, '-x', '200', '-y', '60', '-c', env.scratch,
      ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      ...withStatusFile(join(env.scratch, 'sync.status'), [AESYNC_BIN, '-c', config, 'sync', '--from', D3, '--to', D1]),
    );

    // The third day's first window is held: the bar shows it, the retry's line is above it.
    const lines = await until(async () => {
      if (stall.hits < 1 || retried.hits < 1) return null;
      const l = await paneLines();
      return l.length && BAR.test(l.at(-1)) && l.some((x) => x.startsWith('warn: retrying ')) ? l : null;
    }, 'the progress line of the third day under the retry line');
    const bars = lines.filter((l) => l.includes('rows/s'));
    assert.deepEqual(bars, [lines.at(-1)], 'one progress line, the last one: none left behind, none under a log line');
    const retry = lines.filter((l) => l.includes('retrying'));
    assert.equal(retry.length, 1, lines.join('\n'));
    assert.match(retry[0], /^warn: retrying target=source .* attempt=1 status=503 .*delay_ms=\d+$/, 'the log line whole, nothing of the bar in it');
    // Above the bar, only log lines (each starting at column 0: the bar was erased first).
    for (const l of lines.slice(0, -1)) assert.ok(isLogLine(l), `not a log line above the bar: ${JSON.stringify(l)}\n${lines.join('\n')}`);
    assert.ok(lines.indexOf(retry[0]) < lines.length - 1);

    // Ctrl-C: the run stops, one line, exit 130.
    await tmux('send-keys', '-t', SESSION, 'C-c');
    const status = await until(async () => exitStatus(join(env.scratch, 'sync.status')), 'aesync to exit after C-c');
    assert.equal(status, '130');
    const end = (await paneLines()).filter((l) => !/^Pane is dead/.test(l));
    while (end.length && end.at(-1) === '') end.pop(); // tmux's dead-pane notice ends the pane
    if (process.env.E2E_SHOW_PANE) console.log(end.join('\n'));
    const summaries = end.filter((l) => l.startsWith('aesync: '));
    assert.deepEqual(summaries, [`aesync: interrupted: committed ${D3}..${D2}; not committed: ${D1}`]);
    assert.equal(end.at(-1), summaries[0], 'the summary line is the last one');
    assert.deepEqual(end.filter((l) => l.includes('rows/s')), [], 'the bar was erased before the summary');
    assert.ok(end.some((l) => /^info: partition cancelled partition=/.test(l) && l.includes(D1)), end.join('\n'));
    // After C-c: the cancelled day at info level, no error, and no window "read again".
    const afterBar = end.slice(lines.length - 1);
    assert.deepEqual(afterBar.filter((l) => /^(warn|error): /.test(l)), [], end.join('\n'));
  } finally {
    env.gw.clearFaults();
    env.gw.configure({ latencyMs: 0 });
  }
});

test('convert on a terminal: a progress line while it reads, Ctrl-C exits 130 and leaves no output', async () => {
  const dir = join(env.scratch, 'convert-tty');
  mkdirSync(dir);
  const fifo = join(dir, 'input.fifo');
  await run('mkfifo', [fifo]);
  const session = 'convert';
  await tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '20', '-c', dir, '-e', 'AESYNC_CONFIG=',
    ...withStatusFile(join(env.scratch, 'convert.status'), [AESYNC_BIN, 'convert', '--input', fifo, '--output', 'out.parquet']));
  const ws = createWriteStream(fifo); // opens once aesync opened its end
  ws.on('error', () => {}); // EPIPE once aesync is gone
  try {
    const lines = [];
    for (let i = 0; i < 10_000; i++) {
      const ts = `${D1} ${String(Math.floor(i / 3600) % 24).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
      lines.push(JSON.stringify({ timestamp: ts, _sample_interval: 1, index1: `m${i % 7}`, blob1: 'org', blob2: 'proj', blob3: 'shared-cpu-1x',
        blob4: 'process', blob5: 'p', double1: i, double2: 0, double3: 0, double4: 0 }));
    }
    ws.write(lines.join('\n') + '\n'); // and the FIFO stays open: aesync waits for more
    const pane = async () => (await paneLines(session)).filter((l) => l !== '');
    // Every row written so far counted, though the pipe has paused: the line is redrawn on its own.
    const shown = await until(async () => {
      const l = await pane();
      return l.length && /^10000 rows \| \d+ rows\/s \| ETA --$/.test(l.at(-1)) ? l : null;
    }, 'convert\'s progress line', 30_000, session);
    assert.equal(shown.filter((l) => l.includes('rows/s')).length, 1, shown.join('\n'));

    await tmux('send-keys', '-t', session, 'C-c');
    const status = await until(async () => exitStatus(join(env.scratch, 'convert.status')), 'convert to exit after C-c', 30_000, session);
    assert.equal(status, '130');
    const end = (await pane()).filter((l) => !/^Pane is dead/.test(l));
    assert.deepEqual(end, [`aesync: interrupted: nothing committed (reading input ${fifo}: cancelled)`]);
    assert.deepEqual(readdirSync(dir), ['input.fifo'], 'no output, no temporary file');
  } finally {
    ws.destroy();
  }
});
