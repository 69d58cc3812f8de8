// Streamed machine_metrics rows for the AE sync tests: a fleet of machines (ids, orgs, projects,
// types) and a generator that yields realistic raw AE rows in timestamp order, second by
// second, without holding the data set in memory (millions of rows go straight into
// insertRows). Driven by a seeded Rng, so a data set is reproducible from its seed.
import { dayStartMs } from './gen.mjs';

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
 * Raw AE rows of `days` UTC days from `startDay`, about `rowsPerDay` a day, yielded in
 * timestamp order: every second of the span gets floor(r) or floor(r) + 1 rows (r = rows per
 * second). Kinds: resource 70% (cpu/memory %, with some > 90), process 25% (a process name,
 * sometimes empty), startup 5% (time to ready, 150 ms .. `maxStartupMs`). Sample intervals 1,
 * 2, 4, 10 or 100. `skipDays`: day offsets that get no rows.
 */
export function* streamMachineMetrics(rng, { startDay, days, rowsPerDay, fleet, maxStartupMs = 30_000, skipDays = [] }) {
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
      for (let i = 0; i < n; i++) yield machineRow(rng, rng.pick(fleet), timestamp, maxStartupMs);
    }
  }
}

function machineRow(rng, m, timestamp, maxStartupMs) {
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
    proc = rng.chance(0.2) ? '' : rng.pick(PROCESS_NAMES);
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
