// The command line as a user meets it (issue 14, "The command line"): parse errors in aesync's
// own `aesync: error:` form with "did you mean", `aesync help [command]`, the global flags in
// every command's help, --rows refused below 0, -v / -q, the completion scripts run in the real
// shells (bash's completion function, zsh's, fish's `complete -C`), the man page rendered by
// groff without a warning, and --version with the revision and its commit date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAesync, scratchDir } from './lib/aesync.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function fails(args, stderr) {
  const res = runAesync(args);
  assert.equal(res.stderr, stderr, `aesync ${args.join(' ')}`);
  assert.equal(res.stdout, '');
  assert.equal(res.code, 2);
}

test('parse errors are one aesync: error: line, with did you mean for commands and flags', () => {
  fails(['synk'], 'aesync: error: unknown command "synk" (did you mean "sync"?)\n');
  fails(['convert', '--form', 'csv', '--input', 'a', '--output', 'b'],
    'aesync: error: convert: unknown flag "--form" (did you mean "--format"?) (see aesync convert --help)\n');
  fails(['posthog', 'lnik'], 'aesync: error: posthog: unknown command "lnik" (did you mean "link"?)\n');
  fails(['sync', '--dryrun'], 'aesync: error: sync: unknown flag "--dryrun" (did you mean "--dry-run"?) (see aesync sync --help)\n');
  fails(['frobnicate'], 'aesync: error: unknown command "frobnicate" (commands: sync, convert, inspect, check, prune, ' +
    'status, daemon, posthog, help, completion, manpage)\n');
  fails([], 'aesync: error: a command is required: sync, convert, inspect, check, prune, status, daemon, posthog, help, ' +
    'completion, manpage (see aesync --help)\n');
  fails(['posthog'], 'aesync: error: posthog: a command is required: print, link (see aesync posthog --help)\n');
  fails(['convert', '--input', 'a'], 'aesync: error: convert: --output is required\n');
  fails(['sync', '--date'], 'aesync: error: sync: --date needs a value\n');
  fails(['--log-level', 'loud', 'check'], 'aesync: error: --log-level: loud not in {debug,info,warn,error,off}\n');
});

test('inspect --rows takes a count: -1 and other non-counts are refused before anything runs', () => {
  for (const bad of ['-1', '-5', 'ten', '2.5', '99999999999999999999']) {
    fails(['inspect', 'missing.parquet', '--rows', bad],
      `aesync: error: inspect: --rows: "${bad}" is not a count (a whole number, 0 or more)\n`);
  }
  // A real count reaches the command (which then names the missing file).
  const res = runAesync(['inspect', 'missing.parquet', '--rows', '0']);
  assert.equal(res.code, 1);
  assert.equal(res.stderr, 'aesync: error: cannot open missing.parquet: No such file or directory\n');
});

const GLOBAL_HELP = [
  '  -c,--config FILE            config file (default: $AESYNC_CONFIG, then ./aesync.toml)',
  '  -v,--verbose                same as --log-level debug',
  '  -q,--quiet                  only warnings and errors: --log-level warn, no progress bar',
  '  --no-progress               no progress bar',
];
const COMMANDS = ['sync', 'convert', 'inspect', 'check', 'prune', 'status', 'daemon', 'posthog', 'posthog print',
  'posthog link', 'help', 'completion', 'manpage'];

test('each command\'s --help lists the global flags; aesync help COMMAND prints the same', () => {
  for (const command of COMMANDS) {
    const argv = command.split(' ');
    const help = runAesync([...argv, '--help']);
    assert.equal(help.code, 0, command);
    assert.ok(help.stdout.includes(`Usage: aesync ${command} `), help.stdout);
    const global = help.stdout.indexOf('\nGlobal options:\n');
    assert.ok(global > 0, `${command} --help has no global options:\n${help.stdout}`);
    for (const line of GLOBAL_HELP) assert.ok(help.stdout.slice(global).includes(`${line}\n`), `${command}: ${line}`);
    const viaHelp = runAesync(['help', ...argv]);
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.stdout, help.stdout, `aesync help ${command}`);
  }
  const top = runAesync(['help']);
  assert.equal(top.code, 0);
  assert.equal(top.stdout, runAesync(['--help']).stdout);
  assert.ok(top.stdout.endsWith('Run aesync help COMMAND (or aesync COMMAND --help) for a command\'s flags.\n'), top.stdout);
  fails(['help', 'posthog', 'lnk'], 'aesync: error: posthog: unknown command "lnk" (did you mean "link"?)\n');
  fails(['help', 'sync', 'now'], 'aesync: error: aesync sync has no subcommands (unexpected "now")\n');
});

test('-v logs debug lines, -q only warnings, and neither goes with --log-level', () => {
  const dir = scratchDir('cli-levels');
  copyFileSync(join(root, 'examples/sample-machine-metrics.jsonl'), join(dir, 'sample.jsonl'));
  writeFileSync(join(dir, 'aesync.toml'), '[source]\ntype = "file"\npath = "sample.jsonl"\n\n' +
    '[destination]\ntype = "local"\npath = "./exports"\n\n' +
    // The sample's days are in early 2026: kept (retention applies to the file source too).
    '[sync]\nretention_days = 3650\n');
  const run = (flags) => runAesync([...flags, '--log-format', 'json', 'sync'], { cwd: dir });
  const levels = (res) => res.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).level);
  const plain = run([]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(levels(plain).includes('info'));
  assert.ok(!levels(plain).includes('debug'));
  const verbose = run(['-v']);
  assert.equal(verbose.code, 0, verbose.stderr);
  const debug = verbose.stderr.split('\n').filter((l) => l.includes('"level":"debug"')).map((l) => JSON.parse(l));
  assert.deepEqual(debug.map((l) => [l.msg, l.file]), [['config', 'aesync.toml']]);
  const quiet = run(['-q']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.deepEqual(levels(quiet).filter((l) => l === 'info' || l === 'debug'), []);
  // -q quiets the log, not the command's output (its summary, but for the seconds taken).
  const summary = (res) => res.stdout.replace(/ +\d+\.\d\d  ok\n/g, '  ok\n');
  assert.equal(summary(quiet), summary(plain));
  assert.match(quiet.stdout, /^total +3000 +79899\n$/m);
  fails(['-v', '-q', 'sync'], 'aesync: error: -v/--verbose and -q/--quiet cannot be combined\n');
  fails(['-q', '--log-level', 'info', 'sync'], 'aesync: error: -q/--quiet cannot be combined with --log-level\n');
});

function completionScript(shell, dir) {
  const res = runAesync(['completion', shell]);
  assert.equal(res.code, 0, res.stderr);
  const file = join(dir, `aesync.${shell}`);
  writeFileSync(file, res.stdout);
  return file;
}

function sh(cmd, args, input) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', input, env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
  assert.equal(res.status, 0, `${cmd}: ${res.stderr}`);
  assert.equal(res.stderr, '', `${cmd} wrote to stderr`);
  return res.stdout;
}

test('aesync completion bash: the completion function bash calls completes commands, flags and values', () => {
  const file = completionScript('bash', scratchDir('cli-bash'));
  // The function `complete -p aesync` names, called as bash calls it (COMP_WORDS, COMP_CWORD).
  const complete = (line) => sh('bash', ['--norc', '-c', `
    source ${file}
    compopt() { :; }  # only valid while bash itself completes
    fn=$(complete -p aesync | sed -E 's/.* -F ([^ ]+) .*/\\1/')
    COMP_WORDS=(${line}); COMP_CWORD=\${#COMP_WORDS[@]}
    [[ "${line}" == *" " ]] && { COMP_WORDS+=(""); }
    COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
    $fn; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  assert.equal(complete('aesync sy'), 'sync\n');
  assert.equal(complete('aesync st'), 'status\n');
  assert.equal(complete('aesync posthog '), 'print\nlink\n');
  assert.equal(complete('aesync -c x.toml posthog li'), 'link\n');
  assert.equal(complete('aesync convert --fo'), '--format\n');
  assert.equal(complete('aesync convert --format '), 'parquet\ncsv\n');
  assert.equal(complete('aesync --log-level w'), 'warn\n');
  assert.equal(complete('aesync sync --d'), '--date\n--dry-run\n');
  assert.equal(complete('aesync completion '), 'bash\nzsh\nfish\n');
  assert.equal(complete('aesync inspect --verb'), '--verbose\n');  // the global flags, after the command
});

test('aesync completion zsh: the completion function completes commands, flags and values', () => {
  const file = completionScript('zsh', scratchDir('cli-zsh'));
  sh('zsh', ['-n', file]);
  // zsh's compadd and _files stand in as functions that print what they are given (compadd
  // itself filters by the prefix typed: the words offered are the contract).
  const complete = (...words) => sh('zsh', ['-f', '-c', `
    compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
    _files() { print FILES; }
    compdef() { :; }
    source ${file}
    words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}
    _aesync`]);
  assert.equal(complete('aesync', 'posthog', ''), 'print\nlink\n');
  assert.equal(complete('aesync', '--log-format', ''), 'text\njson\n');
  assert.equal(complete('aesync', 'inspect', ''), 'FILES\n');
  assert.equal(complete('aesync', 'convert', '--output', ''), 'FILES\n');
  assert.equal(complete('aesync', 'sync', '--date', ''), '');
  assert.equal(complete('aesync', 'status', '-'),
    '-h\n--help\n--json\n--version\n-c\n--config\n--log-format\n--log-level\n-v\n--verbose\n-q\n--quiet\n--no-progress\n');
});

test('aesync completion fish: fish completes commands, flags and values with their descriptions', () => {
  const file = completionScript('fish', scratchDir('cli-fish'));
  const complete = (line) => sh('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`]);
  assert.equal(complete('aesync syn'), 'sync\texport partitions (the scheduled plan, or the days named)\n');
  assert.equal(complete('aesync posthog '),
    'link\tcreate or update the warehouse table through PostHog\'s API\n' +
    'print\tprint the PostHog source settings and the UI steps\n');
  assert.equal(complete('aesync convert --form'),
    '--format\tparquet | csv (default: the config\'s, or from the output name)\n');
  assert.equal(complete('aesync convert --format '), 'csv\tparquet | csv (default: the config\'s, or from the output name)\n' +
    'parquet\tparquet | csv (default: the config\'s, or from the output name)\n');
  assert.equal(complete('aesync prune --dr'), '--dry-run\tlist what would be deleted and delete nothing\n');
});

test('aesync manpage: aesync(1) renders without a groff warning and documents every command', () => {
  const res = runAesync(['manpage']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^\.\\" aesync\(1\)/);
  const version = runAesync(['--version']).stdout;
  const [, ver, date] = /^aesync (\S+) \(build \S+, (\S+)\)\n$/.exec(version);
  assert.ok(res.stdout.includes(`\n.TH AESYNC 1 "${date}" "aesync ${ver}" "User Commands"\n`), res.stdout.slice(0, 300));
  const text = sh('groff', ['-man', '-Tutf8', '-ww', '-rLL=200n', '-P-cbou'], res.stdout);
  for (const command of COMMANDS.filter((c) => c !== 'posthog')) {
    assert.match(text, new RegExp(`^ {3}aesync ${command}\\b`, 'm'), `no section for ${command}`);
  }
  for (const line of ['--date DAY', '--format parquet|csv', '-c, --config FILE', '--metrics-addr HOST:PORT',
    '--rows N', '--log-level debug|info|warn|error|off', 'EXIT STATUS', 'AESYNC_CONFIG']) {
    assert.ok(text.includes(line), `${line} not in the rendered page`);
  }
});

test('--version: the version, the revision and its commit date (not the build\'s clock)', () => {
  const res = runAesync(['--version']);
  assert.equal(res.code, 0);
  const m = /^aesync (\d+\.\d+\.\d+) \(build ([0-9a-f]{12}|unknown), (\d{4}-\d\d-\d\d|unknown)\)\n$/.exec(res.stdout);
  assert.ok(m, res.stdout);
  const git = (args) => spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  const rev = git(['rev-parse', '--short=12', 'HEAD']);
  if (rev.status === 0) {
    // Built from this checkout: the revision it was configured at and that commit's date.
    const date = git(['show', '-s', '--format=%cd', '--date=format-local:%Y-%m-%d', m[2]]);
    assert.equal(date.status, 0, `the binary's revision ${m[2]} is not in this checkout`);
    assert.equal(m[3], date.stdout.trim());
  }
  assert.equal(runAesync(['sync', '--version']).stdout, res.stdout);  // after a command too
});
