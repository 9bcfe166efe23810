/**
 * A ledger raffle's page: its figures (live), a draw button for operators, its recent draws, and
 * its participants one page at a time (the API's cursor paging: never the whole list), with a
 * lookup of one participant by name.
 */
import { apiGet, apiPost, segment } from './api.js';
import { drawList } from './draw-list.js';
import { h, figure, formatNumber, messageLine, setFigure } from './dom.js';
import type { Live } from './live.js';
import type { LedgerDraw, LedgerRaffle, Participant } from './types.js';

const pageSize = 50;

function participantRows(participants: Participant[]): HTMLTableRowElement[] {
  return participants.map((p) =>
    h(
      'tr',
      { 'data-participant': p.username },
      h('th', { scope: 'row' }, p.username),
      h('td', { class: 'num' }, formatNumber(p.tickets)),
    ),
  );
}

function participantsSection(raffleId: string): HTMLElement {
  const body = h('tbody', {});
  const status = h('p', { class: 'muted', role: 'status' });
  const previous = h('button', { type: 'button', class: 'secondary' }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary' }, 'Next page');
  // Cursors of the pages shown so far: the first page has none.
  const cursors: (string | undefined)[] = [undefined];
  let pageIndex = 0;
  let nextCursor: string | null = null;
  const load = async (): Promise<void> => {
    const cursor = cursors[pageIndex];
    const query = `limit=${pageSize}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const answer = await apiGet<{ participants: Participant[]; nextCursor: string | null }>(
      `/raffles/${segment(raffleId)}/participants?${query}`,
    );
    if (!answer.ok) {
      status.textContent = `Could not read participants: ${answer.error?.message ?? ''}`;
      return;
    }
    nextCursor = answer.body.nextCursor;
    body.replaceChildren(...participantRows(answer.body.participants));
    const first = pageIndex * pageSize + 1;
    const count = answer.body.participants.length;
    status.textContent =
      count === 0
        ? 'No participant on this page.'
        : `Participants ${formatNumber(first)}–${formatNumber(first + count - 1)}, in order of arrival.`;
    previous.disabled = pageIndex === 0;
    next.disabled = nextCursor === null;
  };
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => void load());
  previous.addEventListener('click', () => {
    if (pageIndex > 0) pageIndex -= 1;
    void load();
  });
  next.addEventListener('click', () => {
    if (nextCursor === null) return;
    pageIndex += 1;
    cursors[pageIndex] = nextCursor;
    void load();
  });
  void load();

  const search = h('input', {
    id: 'participant-search',
    type: 'search',
    autocomplete: 'off',
    maxlength: 64,
  });
  const found = messageLine();
  const form = h(
    'form',
    { class: 'action', role: 'search' },
    h('label', { for: 'participant-search' }, 'Find a participant by exact name', search),
    h('button', { type: 'submit' }, 'Find'),
    found,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = search.value.trim();
    if (name === '') return;
    void apiGet<Participant>(`/raffles/${segment(raffleId)}/participants/${segment(name)}`).then(
      (answer) => {
        found.show(
          answer.ok
            ? `${answer.body.username} holds ${formatNumber(answer.body.tickets)} ticket(s).`
            : answer.status === 404
              ? `${name} holds no ticket in this raffle.`
              : `Refused: ${answer.error?.message ?? ''}`,
          answer.ok,
        );
      },
    );
  });

  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'Participant'),
    h('th', { scope: 'col', class: 'num' }, 'Tickets'),
  );
  return h(
    'section',
    { class: 'wide', 'aria-labelledby': 'participants-h' },
    h('h2', { id: 'participants-h' }, 'Participants'),
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { id: 'participants' }, h('thead', {}, head), body),
    ),
    status,
    h('div', { class: 'pager' }, previous, next, refresh),
  );
}

export function raffleView(main: HTMLElement, live: Live, raffleId: string): () => void {
  main.className = 'raffle';
  const title = h('h2', { id: 'raffle-h' }, raffleId);
  const figures = h(
    'dl',
    { class: 'figures' },
    figure('Tickets', 'totalTickets', '…'),
    figure('Participants', 'participantCount', '…'),
    figure('Draws', 'drawCount', '…'),
  );
  const message = messageLine();
  const drawButton = h('button', { type: 'button', id: 'draw-button' }, 'Draw a winner');
  drawButton.addEventListener('click', () => {
    drawButton.disabled = true;
    void apiPost<LedgerDraw>(`/raffles/${segment(raffleId)}/draws`).then((answer) => {
      drawButton.disabled = false;
      message.show(
        answer.ok
          ? `${answer.body.username} won draw #${answer.body.drawId}.`
          : `Refused: ${answer.error?.message ?? ''}`,
        answer.ok,
      );
    });
  });
  const draws = drawList(live, (draw) => draw.kind === 'ledger' && draw.raffleId === raffleId);
  const participants = participantsSection(raffleId);
  main.append(
    h(
      'section',
      { class: 'wide', 'aria-labelledby': 'raffle-h' },
      h('p', {}, h('a', { href: '#/' }, '← All raffles')),
      title,
      figures,
      h('div', { 'data-operator': true, class: 'action' }, drawButton, message),
    ),
    h(
      'section',
      { class: 'wide', 'aria-labelledby': 'raffle-draws-h' },
      h('h2', { id: 'raffle-draws-h' }, 'Draws, live'),
      draws.element,
    ),
    participants,
  );
  const show = (raffle: LedgerRaffle): void => {
    title.textContent = raffle.name;
    setFigure(figures, 'totalTickets', raffle.totalTickets);
    setFigure(figures, 'participantCount', raffle.participantCount);
    setFigure(figures, 'drawCount', raffle.drawCount);
  };
  // Figures come from the feed when the raffle is among those it lists, else from the API.
  let lastSeq = -1;
  const refresh = (): void => {
    const overview = live.overview;
    if (overview !== undefined && overview.seq === lastSeq) return;
    lastSeq = overview?.seq ?? -1;
    const listed = overview?.ledger.raffles.find((r) => r.id === raffleId);
    if (listed !== undefined) {
      show(listed);
      return;
    }
    void apiGet<LedgerRaffle>(`/raffles/${segment(raffleId)}`).then((answer) => {
      if (answer.ok) show(answer.body);
      else title.textContent = `${raffleId}: ${answer.error?.message ?? 'not found'}`;
    });
  };
  refresh();
  const stop = live.onChange(refresh);
  return () => {
    stop();
    draws.stop();
  };
}
