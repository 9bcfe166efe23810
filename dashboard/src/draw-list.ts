/**
 * The list of recent draws, newest first, announced politely to screen readers as they arrive.
 * A filter keeps one raffle's draws on that raffle's page.
 */
import { h, formatNumber, formatTime } from './dom.js';
import type { Live } from './live.js';
import type { DrawEvent } from './types.js';

function itemOf(draw: DrawEvent): HTMLLIElement {
  if (draw.kind === 'ledger') {
    return h(
      'li',
      { 'data-draw': `${draw.raffleId}:${draw.draw.drawId}` },
      h('strong', {}, draw.draw.username),
      ` won draw #${formatNumber(draw.draw.drawId)} of `,
      h('a', { href: `#/raffles/${encodeURIComponent(draw.raffleId)}` }, draw.raffleName),
      h('time', { datetime: draw.draw.at }, formatTime(draw.draw.at)),
    );
  }
  const winners = draw.winners.map(
    (w) => `${w.prize.name}: ticket ${formatNumber(w.ticketNumber)}`,
  );
  return h(
    'li',
    { 'data-draw': `${draw.raffleId}:prize` },
    h('a', { href: `#/prize-raffles/${encodeURIComponent(draw.raffleId)}` }, draw.raffleName),
    ` drawn — ${winners.join('; ')}`,
    h('time', { datetime: draw.at }, formatTime(draw.at)),
  );
}

/** A live list of draws; call the returned function to stop listening. */
export function drawList(live: Live, filter: (draw: DrawEvent) => boolean = () => true) {
  const empty = h('p', { class: 'muted' }, 'No draw since this page opened.');
  const list = h('ol', { id: 'draws', 'aria-live': 'polite', 'aria-label': 'Recent draws' });
  for (const draw of live.draws.filter(filter)) list.append(itemOf(draw));
  empty.hidden = list.childElementCount > 0;
  const listener = (draw: DrawEvent): void => {
    if (!filter(draw)) return;
    list.prepend(itemOf(draw));
    while (list.childElementCount > 50) list.lastElementChild?.remove();
    empty.hidden = true;
  };
  live.drawListeners.add(listener);
  return { element: h('div', {}, empty, list), stop: () => live.drawListeners.delete(listener) };
}
