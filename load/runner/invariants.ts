/**
 * The end-of-run check of a raffle through its REST API: walk the whole participant listing and
 * compare it with the raffle's figures, and, when the caller kept exact accounts of what it did to
 * a raffle of its own, compare the figures with those accounts too.
 *
 * The listing is read page by page, so the check is only meaningful when nothing writes to the
 * raffle meanwhile; the figures are read again after the walk to catch a run that did not stop.
 * `fetch` can be replaced, so a test can feed it an inconsistent listing and see it fail.
 */
import { z } from 'zod';

const figuresSchema = z.object({
  id: z.string(),
  totalTickets: z.number(),
  participantCount: z.number(),
  drawCount: z.number(),
});

const pageSchema = z.object({
  participants: z.array(z.object({ username: z.unknown(), tickets: z.unknown() })),
  nextCursor: z.string().nullable(),
});

export type RaffleFigures = z.infer<typeof figuresSchema>;

export interface ExpectedFigures {
  /** Tickets issued with success minus draws that succeeded. */
  totalTickets?: number;
  /** Draws that succeeded. */
  drawCount?: number;
}

export interface InvariantReport {
  raffleId: string;
  ok: boolean;
  problems: string[];
  figures?: RaffleFigures;
  participantsListed: number;
  ticketsListed: number;
  pages: number;
  /** Which of the expected figures were compared. */
  compared: (keyof ExpectedFigures)[];
}

export interface InvariantCheckOptions {
  baseUrl: string;
  raffleId: string;
  expected?: ExpectedFigures;
  /** @default 1000 (the largest page the API serves) */
  pageLimit?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

async function getJson(
  fetchImpl: typeof fetch,
  url: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetchImpl(url);
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: text };
  }
}

export async function checkRaffleInvariants(
  options: InvariantCheckOptions,
): Promise<InvariantReport> {
  const fetchImpl = options.fetch ?? fetch;
  const pageLimit = options.pageLimit ?? 1000;
  const raffleUrl = `${options.baseUrl}/api/raffles/${encodeURIComponent(options.raffleId)}`;
  const problems: string[] = [];
  const report: InvariantReport = {
    raffleId: options.raffleId,
    ok: false,
    problems,
    participantsListed: 0,
    ticketsListed: 0,
    pages: 0,
    compared: [],
  };

  const readFigures = async (): Promise<RaffleFigures | undefined> => {
    const { status, body } = await getJson(fetchImpl, raffleUrl);
    const parsed = figuresSchema.safeParse(body);
    if (status !== 200 || !parsed.success) {
      problems.push(`GET ${raffleUrl} answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
      return undefined;
    }
    return parsed.data;
  };

  const figures = await readFigures();
  if (figures === undefined) return report;
  report.figures = figures;

  const seen = new Set<string>();
  const pagesMax = Math.ceil(figures.participantCount / pageLimit) + 2;
  let cursor: string | null = null;
  do {
    const query: string =
      cursor === null
        ? `limit=${pageLimit}`
        : `limit=${pageLimit}&cursor=${encodeURIComponent(cursor)}`;
    const { status, body } = await getJson(fetchImpl, `${raffleUrl}/participants?${query}`);
    report.pages += 1;
    const page = pageSchema.safeParse(body);
    if (status !== 200 || !page.success) {
      problems.push(
        `listing page ${report.pages} answered ${status}: ${JSON.stringify(body).slice(0, 200)}`,
      );
      break;
    }
    for (const { username, tickets } of page.data.participants) {
      if (typeof username !== 'string' || username.length === 0) {
        problems.push(`listing: an entry has no username (${JSON.stringify(username)})`);
        continue;
      }
      if (seen.has(username)) problems.push(`listing: '${username}' appears twice`);
      seen.add(username);
      if (typeof tickets !== 'number' || !Number.isSafeInteger(tickets) || tickets <= 0) {
        problems.push(`listing: '${username}' holds ${JSON.stringify(tickets)} tickets`);
        continue;
      }
      report.ticketsListed += tickets;
      report.participantsListed += 1;
    }
    cursor = page.data.nextCursor;
    if (cursor !== null && report.pages >= pagesMax) {
      problems.push(`listing: not over after ${report.pages} pages of ${pageLimit}`);
      break;
    }
  } while (cursor !== null);

  if (report.ticketsListed !== figures.totalTickets) {
    problems.push(
      `listed balances sum to ${report.ticketsListed}, but totalTickets is ${figures.totalTickets}`,
    );
  }
  if (report.participantsListed !== figures.participantCount) {
    problems.push(
      `${report.participantsListed} participants listed, but participantCount is ${figures.participantCount}`,
    );
  }
  const expected = options.expected ?? {};
  if (expected.totalTickets !== undefined) {
    report.compared.push('totalTickets');
    if (expected.totalTickets !== figures.totalTickets) {
      problems.push(
        `tickets issued minus draws is ${expected.totalTickets}, but totalTickets is ${figures.totalTickets}`,
      );
    }
  }
  if (expected.drawCount !== undefined) {
    report.compared.push('drawCount');
    if (expected.drawCount !== figures.drawCount) {
      problems.push(`${expected.drawCount} draws succeeded, but drawCount is ${figures.drawCount}`);
    }
  }

  const after = await readFigures();
  if (
    after !== undefined &&
    (after.totalTickets !== figures.totalTickets ||
      after.participantCount !== figures.participantCount ||
      after.drawCount !== figures.drawCount)
  ) {
    problems.push('the raffle changed while it was being checked: was the load still running?');
  }
  report.ok = problems.length === 0;
  return report;
}
