/**
 * The front page: live charts, recent draws, every kind's raffles with their figures, and (for
 * operators) forms to create raffles. Tables are redrawn from each overview the feed sends.
 */
import { apiPost } from './api.js';
import type { Charts } from './charts.js';
import { drawList } from './draw-list.js';
import { h, formatNumber, messageLine } from './dom.js';
import type { Live } from './live.js';
import type { Overview } from './types.js';

const num = (value: number, name: string) =>
  h('td', { class: 'num', 'data-figure': name }, formatNumber(value));

function table(caption: string, headings: string[], rows: HTMLTableRowElement[]): HTMLElement {
  const head = h(
    'tr',
    {},
    ...headings.map((text, i) => h('th', { scope: 'col', class: i > 0 ? 'num' : undefined }, text)),
  );
  const body = h('tbody', {}, ...rows);
  if (rows.length === 0)
    body.append(h('tr', {}, h('td', { colspan: headings.length, class: 'muted' }, 'None yet.')));
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('caption', {}, caption), h('thead', {}, head), body),
  );
}

const link = (href: string, text: string) => h('th', { scope: 'row' }, h('a', { href }, text));

function ledgerTable(overview: Overview): HTMLElement {
  const { raffles, count } = overview.ledger;
  const rows = raffles.map((r) =>
    h(
      'tr',
      { 'data-raffle': r.id },
      link(`#/raffles/${encodeURIComponent(r.id)}`, r.name),
      num(r.totalTickets, `ledger:${r.id}:totalTickets`),
      num(r.participantCount, `ledger:${r.id}:participantCount`),
      num(r.drawCount, `ledger:${r.id}:drawCount`),
    ),
  );
  const caption =
    count > raffles.length
      ? `The newest ${raffles.length} of ${formatNumber(count)}.`
      : `${formatNumber(count)} in all.`;
  return table(caption, ['Raffle', 'Tickets', 'Participants', 'Draws'], rows);
}

function prizeTable(overview: Overview): HTMLElement {
  const rows = overview.prize.raffles.map((r) =>
    h(
      'tr',
      { 'data-prize-raffle': r.id },
      link(`#/prize-raffles/${encodeURIComponent(r.id)}`, r.name),
      num(r.ticketsClaimed, `prize:${r.id}:ticketsClaimed`),
      num(r.ticketsRemaining, `prize:${r.id}:ticketsRemaining`),
      h('td', { class: 'num', 'data-figure': `prize:${r.id}:status` }, r.status.replace('_', ' ')),
    ),
  );
  return table(
    overview.prize.more ? 'The newest ones; the API pages the rest.' : 'Claims and tickets left.',
    ['Prize raffle', 'Claimed', 'Left', 'Status'],
    rows,
  );
}

function campaignTable(overview: Overview): HTMLElement {
  const rows = overview.campaigns.campaigns.map((c) =>
    h(
      'tr',
      { 'data-campaign': c.id },
      link(`#/campaigns/${encodeURIComponent(c.id)}`, c.name),
      num(c.drawCount, `campaign:${c.id}:drawCount`),
      num(c.phoneCount, `campaign:${c.id}:phoneCount`),
      num(
        c.prizes.reduce((sum, p) => sum + p.remainingToday, 0),
        `campaign:${c.id}:remainingToday`,
      ),
      h('td', { class: 'num' }, c.status),
    ),
  );
  return table(
    overview.campaigns.more
      ? 'The newest ones; the API pages the rest.'
      : 'Plays and quotas left today.',
    ['Campaign', 'Plays', 'Phones', 'Prizes left today', 'Status'],
    rows,
  );
}

function field(label: string, input: HTMLInputElement): HTMLLabelElement {
  return h('label', {}, label, input);
}

function createForms(): HTMLElement {
  const ledgerName = h('input', { name: 'name', required: true, maxlength: 200 });
  const ledgerMessage = messageLine();
  const ledgerForm = h(
    'form',
    { class: 'action', 'aria-label': 'Create a raffle' },
    field('Name', ledgerName),
    h('button', { type: 'submit' }, 'Create raffle'),
    ledgerMessage,
  );
  ledgerForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void apiPost<{ id: string }>('/raffles', { name: ledgerName.value }).then((answer) => {
      if (answer.ok) ledgerName.value = '';
      ledgerMessage.show(
        answer.ok ? `Created raffle ${answer.body.id}.` : `Refused: ${answer.error?.message ?? ''}`,
        answer.ok,
      );
    });
  });

  const prizeName = h('input', { name: 'name', required: true, maxlength: 200 });
  const prizeTickets = h('input', {
    name: 'ticketCount',
    type: 'number',
    min: 1,
    required: true,
    value: 100,
  });
  const prizeList = h('input', { name: 'prizes', required: true, placeholder: 'Bike, Book' });
  const prizeMessage = messageLine();
  const prizeForm = h(
    'form',
    { class: 'action', 'aria-label': 'Create a prize raffle' },
    field('Name', prizeName),
    field('Tickets', prizeTickets),
    field('Prizes (comma-separated)', prizeList),
    h('button', { type: 'submit' }, 'Create prize raffle'),
    prizeMessage,
  );
  prizeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const prizes = prizeList.value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .map((name) => ({ name }));
    void apiPost<{ id: string }>('/prize-raffles', {
      name: prizeName.value,
      ticketCount: Number(prizeTickets.value),
      prizes,
    }).then((answer) => {
      prizeMessage.show(
        answer.ok
          ? `Created prize raffle ${answer.body.id}.`
          : `Refused: ${answer.error?.message ?? ''}`,
        answer.ok,
      );
    });
  });
  return h(
    'section',
    { 'data-operator': true, 'aria-labelledby': 'create-h', class: 'wide' },
    h('h2', { id: 'create-h' }, 'Create (operators)'),
    ledgerForm,
    prizeForm,
  );
}

export function overviewView(main: HTMLElement, live: Live, charts: Charts): () => void {
  main.className = 'overview';
  const draws = drawList(live);
  const ledger = h('div', {});
  const prize = h('div', {});
  const campaigns = h('div', {});
  main.append(
    h(
      'section',
      { class: 'wide', 'aria-labelledby': 'charts-h' },
      h('h2', { id: 'charts-h' }, 'Service, live'),
      charts.element,
    ),
    h('section', { 'aria-labelledby': 'ledger-h' }, h('h2', { id: 'ledger-h' }, 'Raffles'), ledger),
    h(
      'section',
      { 'aria-labelledby': 'draws-h' },
      h('h2', { id: 'draws-h' }, 'Recent draws'),
      draws.element,
    ),
    h(
      'section',
      { 'aria-labelledby': 'prize-h' },
      h('h2', { id: 'prize-h' }, 'Prize raffles'),
      prize,
    ),
    h(
      'section',
      { 'aria-labelledby': 'campaigns-h' },
      h('h2', { id: 'campaigns-h' }, 'Campaigns'),
      campaigns,
    ),
    createForms(),
  );
  const render = (): void => {
    const overview = live.overview;
    if (overview === undefined) return;
    ledger.replaceChildren(ledgerTable(overview));
    prize.replaceChildren(prizeTable(overview));
    campaigns.replaceChildren(campaignTable(overview));
  };
  render();
  const stop = live.onChange(render);
  return () => {
    stop();
    draws.stop();
  };
}
