/**
 * `raffle export`, `raffle draw` and `raffle show`: each one or a few REST calls. Export pages
 * through the participant listing (never asking for the whole list at once) and writes CSV in
 * the shape `import` reads, so an export can be imported elsewhere.
 */
import { randomBytes } from 'node:crypto';
import type { LedgerRaffle } from '../api/answer-shapes.js';
import { pageLimitMax } from '../config/limits.js';
import { CliError, exitCodes } from './cli-error.js';
import { expectOk, type ServiceClient } from './service-client.js';

export interface Writer {
  write(text: string): unknown;
}

/** A CSV field: quoted when it holds a comma, a quote, a line end or surrounding spaces. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const raffleLocation = (raffleId: string) => `/raffles/${encodeURIComponent(raffleId)}`;

function refusedUnlessFound(answer: { status: number; body: unknown }, raffleId: string): unknown {
  if (answer.status === 404)
    throw new CliError(`raffle ${raffleId} does not exist`, exitCodes.refused);
  return expectOk(answer, `raffle ${raffleId}`);
}

/** Writes every participant as `username,tickets`; returns how many. */
export async function exportParticipants(
  client: ServiceClient,
  raffleId: string,
  out: Writer,
): Promise<number> {
  let cursor: string | null = null;
  let count = 0;
  do {
    const query: string = `limit=${pageLimitMax}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = refusedUnlessFound(
      await client.get(`${raffleLocation(raffleId)}/participants?${query}`),
      raffleId,
    ) as { participants: { username: string; tickets: number }[]; nextCursor: string | null };
    // The header follows the first page, so a refused export writes nothing.
    if (cursor === null) out.write('username,tickets\n');
    const lines = page.participants.map((p) => `${csvField(p.username)},${p.tickets}\n`);
    if (lines.length > 0) out.write(lines.join(''));
    count += lines.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

export interface DrawLine {
  drawId: number;
  username: string;
  ticketsLeft: number;
}

/** Draws `count` winners, one request each; each request has its own key, reused on retry. */
export async function drawWinners(
  client: ServiceClient,
  raffleId: string,
  count: number,
  out: Writer,
): Promise<DrawLine[]> {
  const run = randomBytes(8).toString('hex');
  const winners: DrawLine[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await client.post(
      `${raffleLocation(raffleId)}/draws`,
      {},
      `raffle-draw:${run}:${i}`,
    );
    const draw = refusedUnlessFound(answer, raffleId) as DrawLine;
    winners.push(draw);
    out.write(`draw ${draw.drawId}: ${draw.username} (${draw.ticketsLeft} ticket(s) left)\n`);
  }
  return winners;
}

/** Prints a raffle's figures, as text or JSON. */
export async function showRaffle(
  client: ServiceClient,
  raffleId: string,
  json: boolean,
  out: Writer,
): Promise<void> {
  const raffle = refusedUnlessFound(
    await client.get(raffleLocation(raffleId)),
    raffleId,
  ) as LedgerRaffle;
  if (json) {
    out.write(`${JSON.stringify(raffle)}\n`);
    return;
  }
  out.write(
    [
      `raffle        ${raffle.id} (${raffle.name})`,
      `created       ${raffle.createdAt}`,
      `tickets       ${raffle.totalTickets}`,
      `participants  ${raffle.participantCount}`,
      `draws         ${raffle.drawCount}`,
      '',
    ].join('\n'),
  );
}
