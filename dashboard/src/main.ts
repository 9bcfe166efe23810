/**
 * The dashboard's entry: connects the live feed, finds out whether this tab is an operator, and
 * shows the view the address names (`#/`, `#/raffles/ID`, `#/prize-raffles/ID`,
 * `#/campaigns/ID`). Operator-only controls carry `data-operator` and are hidden for visitors;
 * hiding is a courtesy, the API refuses them anyway.
 */
import { fetchOperator, operatorToken } from './api.js';
import { Charts } from './charts.js';
import { campaignView, prizeView } from './kind-views.js';
import { Live } from './live.js';
import { overviewView } from './overview-view.js';
import { raffleView } from './raffle-view.js';

const live = new Live();
const charts = new Charts();
live.sampleListeners.add((sample) => charts.add(sample));
const main = document.getElementById('main') as HTMLElement;
const connection = document.getElementById('connection') as HTMLElement;
const operatorStatus = document.getElementById('operator-status') as HTMLElement;

live.connect((state) => {
  connection.textContent = state === 'live' ? 'Live' : 'Reconnecting…';
  connection.className = state;
});

function applyOperator(): void {
  operatorStatus.textContent = live.operator ? 'Operator' : 'Visitor';
  document.body.dataset.role = live.operator ? 'operator' : 'visitor';
  for (const element of document.querySelectorAll<HTMLElement>('[data-operator]')) {
    element.hidden = !live.operator;
  }
}

async function refreshOperator(): Promise<void> {
  live.operator = await fetchOperator();
  applyOperator();
}

let stopView: (() => void) | undefined;

function route(): void {
  stopView?.();
  main.replaceChildren();
  const [, section = '', rawId = ''] = location.hash.split('/');
  const id = decodeURIComponent(rawId);
  if (section === 'raffles' && id !== '') stopView = raffleView(main, live, id);
  else if (section === 'prize-raffles' && id !== '') stopView = prizeView(main, live, id);
  else if (section === 'campaigns' && id !== '') stopView = campaignView(main, live, id);
  else stopView = overviewView(main, live, charts);
  applyOperator();
}

const tokenForm = document.getElementById('token-form') as HTMLFormElement;
const tokenInput = document.getElementById('token') as HTMLInputElement;
tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (tokenInput.value !== '') operatorToken.set(tokenInput.value);
  tokenInput.value = '';
  void refreshOperator();
});
document.getElementById('token-clear')?.addEventListener('click', () => {
  operatorToken.clear();
  void refreshOperator();
});

window.addEventListener('hashchange', route);
route();
void refreshOperator();
