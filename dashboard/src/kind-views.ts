/**
 * The pages of a prize raffle and of a campaign: their live figures, and for a prize raffle the
 * operators' draw and the winners once drawn. Both read their figures from the feed's overview
 * when it lists them, and from the API otherwise.
 */
import { apiGet, apiPost, segment } from './api.js';
import { h, figure, formatNumber, messageLine, setFigure } from './dom.js';
import type { Live } from './live.js';
import type { Campaign, PrizeRaffle } from './types.js';

/** Calls `show` with the item's figures whenever the feed's overview moves on. */
function follow<T>(
  live: Live,
  listed: () => T | undefined,
  path: string,
  show: (item: T) => void,
  missing: (message: string) => void,
) {
  let lastSeq = -1;
  const refresh = (): void => {
    const seq = live.overview?.seq ?? -1;
    if (seq === lastSeq) return;
    lastSeq = seq;
    const item = listed();
    if (item !== undefined) {
      show(item);
      return;
    }
    void apiGet<T>(path).then((answer) =>
      answer.ok ? show(answer.body) : missing(answer.error?.message ?? 'not found'),
    );
  };
  refresh();
  return live.onChange(refresh);
}

export function prizeView(main: HTMLElement, live: Live, id: string): () => void {
  main.className = 'prize';
  const title = h('h2', { id: 'prize-h' }, id);
  const figures = h(
    'dl',
    { class: 'figures' },
    figure('Tickets', 'ticketCount', '…'),
    figure('Claimed', 'ticketsClaimed', '…'),
    figure('Left', 'ticketsRemaining', '…'),
    figure('Status', 'status', '…'),
  );
  const winners = h('ol', { id: 'winners' });
  const message = messageLine();
  const drawButton = h('button', { type: 'button', id: 'draw-button' }, 'Draw the winners');
  drawButton.addEventListener('click', () => {
    void apiPost<{ winners: unknown[] }>(`/prize-raffles/${segment(id)}/draws`).then((answer) => {
      message.show(
        answer.ok
          ? `Drew ${answer.body.winners.length} winner(s).`
          : `Refused: ${answer.error?.message ?? ''}`,
        answer.ok,
      );
    });
  });
  main.append(
    h(
      'section',
      { class: 'wide', 'aria-labelledby': 'prize-h' },
      h('p', {}, h('a', { href: '#/' }, '← All raffles')),
      title,
      figures,
      h('div', { 'data-operator': true, class: 'action' }, drawButton, message),
      h('h3', {}, 'Winning tickets'),
      winners,
    ),
  );
  let shownWinners = false;
  return follow<PrizeRaffle>(
    live,
    () => live.overview?.prize.raffles.find((r) => r.id === id),
    `/prize-raffles/${segment(id)}`,
    (raffle) => {
      title.textContent = raffle.name;
      setFigure(figures, 'ticketCount', raffle.ticketCount);
      setFigure(figures, 'ticketsClaimed', raffle.ticketsClaimed);
      setFigure(figures, 'ticketsRemaining', raffle.ticketsRemaining);
      setFigure(figures, 'status', raffle.status.replace('_', ' '));
      if (raffle.status !== 'drawn' || shownWinners) return;
      shownWinners = true;
      void apiGet<{ winners: { prize: { name: string }; ticketNumber: number }[] }>(
        `/prize-raffles/${segment(id)}/winners`,
      ).then((answer) => {
        if (answer.ok)
          winners.replaceChildren(
            ...answer.body.winners.map((w) =>
              h('li', {}, `${w.prize.name}: ticket ${formatNumber(w.ticketNumber)}`),
            ),
          );
      });
    },
    (text) => (title.textContent = `${id}: ${text}`),
  );
}

export function campaignView(main: HTMLElement, live: Live, id: string): () => void {
  main.className = 'campaign';
  const title = h('h2', { id: 'campaign-h' }, id);
  const figures = h(
    'dl',
    { class: 'figures' },
    figure('Plays', 'drawCount', '…'),
    figure('Phones', 'phoneCount', '…'),
    figure('Status', 'status', '…'),
    figure('Day', 'day', '…'),
  );
  const prizes = h('tbody', {});
  const head = h(
    'tr',
    {},
    ...['Prize', 'Won', 'Won today', 'Left today', 'Left in all'].map((text, i) =>
      h('th', { scope: 'col', class: i > 0 ? 'num' : undefined }, text),
    ),
  );
  main.append(
    h(
      'section',
      { class: 'wide', 'aria-labelledby': 'campaign-h' },
      h('p', {}, h('a', { href: '#/' }, '← All raffles')),
      title,
      figures,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', {}, h('caption', {}, 'Prizes and their quotas'), h('thead', {}, head), prizes),
      ),
    ),
  );
  return follow<Campaign>(
    live,
    () => live.overview?.campaigns.campaigns.find((c) => c.id === id),
    `/campaigns/${segment(id)}`,
    (campaign) => {
      title.textContent = campaign.name;
      setFigure(figures, 'drawCount', campaign.drawCount);
      setFigure(figures, 'phoneCount', campaign.phoneCount);
      setFigure(figures, 'status', campaign.status);
      setFigure(figures, 'day', campaign.day);
      prizes.replaceChildren(
        ...campaign.prizes.map((p) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, p.name),
            ...[p.wonTotal, p.wonToday, p.remainingToday, p.remainingTotal].map((n) =>
              h('td', { class: 'num' }, formatNumber(n)),
            ),
          ),
        ),
      );
    },
    (text) => (title.textContent = `${id}: ${text}`),
  );
}
