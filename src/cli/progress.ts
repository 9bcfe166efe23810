/**
 * The import's progress on stderr: a bar, rows done of the total, the rate and the time left.
 * On a terminal it redraws one line in place; elsewhere (a log, a test) it writes a line at most
 * once a second, so a long import does not flood the log.
 */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

const formatter = new Intl.NumberFormat('en');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${minutes}:${rest}` : `${minutes}:${rest}`;
}

export class Progress {
  private readonly startedAt: number;
  private lastDrawnAt = 0;
  private done = 0;

  constructor(
    private readonly output: ProgressOutput,
    private readonly total: number,
    private readonly unit = 'rows',
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
  }

  /** Counts `n` more done; redraws when enough time has passed. */
  add(n: number): void {
    this.done += n;
    const now = this.clock();
    const every = this.output.isTTY === true ? 100 : 1000;
    if (now - this.lastDrawnAt >= every) {
      this.lastDrawnAt = now;
      this.draw(now);
    }
  }

  /** The last line, with the final figures. */
  finish(): void {
    this.draw(this.clock());
    if (this.output.isTTY === true) this.output.write('\n');
  }

  /** The line as shown at `now`. */
  line(now: number): string {
    const fraction = this.total === 0 ? 1 : Math.min(1, this.done / this.total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.done / seconds;
    const eta = rate > 0 ? (this.total - this.done) / rate : Number.POSITIVE_INFINITY;
    return (
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` +
      `${formatter.format(this.done)}/${formatter.format(this.total)} ${this.unit} ` +
      `${formatter.format(Math.round(rate))} ${this.unit}/s ETA ${duration(eta)}`
    );
  }

  private draw(now: number): void {
    const text = this.line(now);
    this.output.write(this.output.isTTY === true ? `\r${text}\u001b[K` : `${text}\n`);
  }
}
