/**
 * A campaign prize as answers show it: its definition, what has been won of it in all and today,
 * and what is left. Types only, with no imports, so that the dashboard page (built for the browser
 * with a DOM-only tsconfig) reads the same definition as the kind that makes it.
 */
export interface PrizeView {
  id: string;
  name: string;
  probability: number;
  quotaTotal: number;
  quotaDaily: number;
  wonTotal: number;
  wonToday: number;
  remainingTotal: number;
  remainingToday: number;
}
