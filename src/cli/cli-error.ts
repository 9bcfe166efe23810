/**
 * The `raffle` command's exit codes and the error that carries one. Each failure maps to one
 * code, so scripts can tell a mistyped command from a bad file from a service that is down.
 */
export const exitCodes = {
  ok: 0,
  /** The service refused the request or some rows (an unknown raffle, a refused item, 4xx). */
  refused: 1,
  /** The command line is wrong (unknown command or option, missing argument). */
  usage: 2,
  /** The input file cannot be read or is not valid CSV of the expected shape. */
  badInput: 3,
  /** The service cannot be reached, or kept answering 5xx after the retries. */
  unavailable: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
