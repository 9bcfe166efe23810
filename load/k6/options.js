/**
 * The k6 options of both scripts, from the `-e NAME=value` variables: the scenario, its load and
 * its thresholds. Pure (no k6 module), so it is tested under Node as it is.
 *
 * Every variable is checked here, at init, with a message naming it: k6's own errors for
 * `VUS=0` or `VUS=2.5` speak of executors and say nothing of the variable. The load is set only
 * through these variables: k6's `--vus` does not reach a script that defines `scenarios`, and
 * `--duration` replaces the scenario with k6's default one (see load/README.md).
 */

/**
 * A whole number of virtual users, at least 1.
 * @param {string} name
 * @param {string | undefined} text
 * @param {number} fallback
 * @returns {number}
 */
export function vusFromEnv(name, text, fallback) {
  if (text === undefined || text === '') return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 100000) {
    throw new Error(
      name + ' must be a whole number of virtual users from 1 to 100000, not "' + text + '"',
    );
  }
  return Number(text);
}

/**
 * A positive number of milliseconds (latency limits).
 * @param {string} name
 * @param {string | undefined} text
 * @param {number} fallback
 * @returns {number}
 */
export function millisecondsFromEnv(name, text, fallback) {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(value > 0)) {
    throw new Error(name + ' must be a positive number of milliseconds, not "' + text + '"');
  }
  return value;
}

const durationUnits = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * A k6 duration (`90s`, `1m30s`, `2h`), as whole seconds at least 1.
 * @param {string} name
 * @param {string | undefined} text
 * @param {number} fallbackSeconds
 * @returns {number}
 */
export function secondsFromEnv(name, text, fallbackSeconds) {
  if (text === undefined || text === '') return fallbackSeconds;
  const part = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
  let seconds = 0;
  let consumed = 0;
  let match = part.exec(text);
  while (match !== null) {
    if (match.index !== consumed) break;
    seconds += Number(match[1]) * durationUnits[/** @type {'ms' | 's' | 'm' | 'h'} */ (match[2])];
    consumed = part.lastIndex;
    match = part.exec(text);
  }
  if (consumed !== text.length || consumed === 0 || seconds < 1) {
    throw new Error(
      name + ' must be a k6 duration of at least 1s, such as 90s, 1m30s or 2h, not "' + text + '"',
    );
  }
  return Math.round(seconds);
}

/**
 * The spike's shape: five stages (steady, up, held, down, recovery) in the proportions
 * 20:10:30:10:30 of its whole length, 100 s by default; `DURATION` shortens or lengthens it all.
 * @param {number} totalSeconds
 * @param {number} base
 * @param {number} peak
 */
export function spikeStages(totalSeconds, base, peak) {
  const shares = [
    { share: 0.2, target: base },
    { share: 0.1, target: peak },
    { share: 0.3, target: peak },
    { share: 0.1, target: base },
    { share: 0.3, target: base },
  ];
  return shares.map(function (stage) {
    return {
      duration: Math.max(1, Math.round(stage.share * totalSeconds)) + 's',
      target: stage.target,
    };
  });
}

/**
 * A closed-loop load: `VUS` clients (default `vusDefault`) for `DURATION` seconds (default
 * `secondsDefault`).
 * @param {number} vusDefault
 * @param {number} secondsDefault
 * @param {string} gracefulStop
 * @returns {(env: Record<string, string | undefined>) => Record<string, any>}
 */
function constantLoad(vusDefault, secondsDefault, gracefulStop) {
  return function (env) {
    return {
      executor: 'constant-vus',
      vus: vusFromEnv('VUS', env.VUS, vusDefault),
      duration: secondsFromEnv('DURATION', env.DURATION, secondsDefault) + 's',
      gracefulStop: gracefulStop,
    };
  };
}

/**
 * The three scenarios, selected with `-e SCENARIO=mixed|spike|soak`.
 * @type {Record<string, { latency: { p95: number, p99: number }, build: (env: Record<string, string | undefined>) => Record<string, any> }>}
 */
const scenarios = {
  // A steady closed-loop load at the expected mix.
  mixed: {
    latency: { p95: 100, p99: 250 },
    build: constantLoad(50, 60, '10s'),
  },
  // A sudden jump to many times the usual number of clients, then back down: latency may rise
  // while the queue absorbs the burst.
  spike: {
    latency: { p95: 500, p99: 1500 },
    build: function (env) {
      const base = vusFromEnv('VUS', env.VUS, 10);
      const peak = vusFromEnv('SPIKE_VUS', env.SPIKE_VUS, 300);
      if (peak < base)
        throw new Error('SPIKE_VUS (' + peak + ') must be at least VUS (' + base + ')');
      return {
        executor: 'ramping-vus',
        startVUs: base,
        stages: spikeStages(secondsFromEnv('DURATION', env.DURATION, 100), base, peak),
        gracefulRampDown: '10s',
      };
    },
  },
  // A moderate load held for a long time: memory growth, latency drift, slow leaks.
  soak: {
    latency: { p95: 100, p99: 250 },
    build: constantLoad(20, 1800, '30s'),
  },
};

/**
 * The k6 `options` of a script: the chosen scenario and its thresholds. Latency limits default
 * per scenario and can be set with `-e P95_MS=… -e P99_MS=…`.
 * @param {'rest' | 'trpc'} surface
 * @param {Record<string, string | undefined>} env the `-e` variables (k6's `__ENV`)
 */
export function buildOptions(surface, env) {
  const name = env.SCENARIO || 'mixed';
  const scenario = scenarios[name];
  if (scenario === undefined) {
    throw new Error(
      'SCENARIO must be one of ' + Object.keys(scenarios).join(', ') + ', not "' + name + '"',
    );
  }
  const p95 = millisecondsFromEnv('P95_MS', env.P95_MS, scenario.latency.p95);
  const p99 = millisecondsFromEnv('P99_MS', env.P99_MS, scenario.latency.p99);
  /** @type {Record<string, Record<string, any>>} */
  const chosen = {};
  chosen[name] = scenario.build(env);
  return {
    scenarios: chosen,
    tags: { surface: surface },
    thresholds: {
      // Transport errors and statuses other than success or an expected refusal.
      http_req_failed: ['rate<0.01'],
      checks: ['rate>0.99'],
      unexpected_outcomes: ['rate<0.01'],
      invariant_violations: ['count==0'],
      // Latency of the workload itself, not of set-up and the final walk of the listing.
      'http_req_duration{phase:load}': ['p(95)<' + p95, 'p(99)<' + p99],
      'http_req_duration{op:issue}': ['p(95)<' + p95, 'p(99)<' + p99],
      'http_req_duration{op:transfer}': ['p(95)<' + p95, 'p(99)<' + p99],
    },
    setupTimeout: '60s',
    teardownTimeout: '10m',
    summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}
