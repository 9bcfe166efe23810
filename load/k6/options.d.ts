/**
 * Declarations of `options.js` for the TypeScript tests that import it under Node.
 */
export interface ScenarioOptions {
  executor: string;
  vus?: number;
  duration?: string;
  startVUs?: number;
  stages?: { duration: string; target: number }[];
  gracefulStop?: string;
  gracefulRampDown?: string;
}
export function vusFromEnv(name: string, text: string | undefined, fallback: number): number;
export function millisecondsFromEnv(
  name: string,
  text: string | undefined,
  fallback: number,
): number;
export function secondsFromEnv(
  name: string,
  text: string | undefined,
  fallbackSeconds: number,
): number;
export function spikeStages(
  totalSeconds: number,
  base: number,
  peak: number,
): { duration: string; target: number }[];
export function buildOptions(
  surface: 'rest' | 'trpc',
  env: Record<string, string | undefined>,
): {
  scenarios: Record<string, ScenarioOptions>;
  tags: Record<string, string>;
  thresholds: Record<string, string[]>;
  setupTimeout: string;
  teardownTimeout: string;
  summaryTrendStats: string[];
};
