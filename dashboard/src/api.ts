/**
 * Calls to the service's own REST API, with the operator token when one was given in this tab.
 *
 * The page has no privileges of its own: an operator action is the REST call an operator would
 * make, and the API decides. The token is kept in `sessionStorage` (this tab only, gone when it
 * closes), and every write carries a fresh `Idempotency-Key`, so a retried click cannot act twice.
 */
const tokenKey = 'raffle-operator-token';

export const operatorToken = {
  get: (): string | null => sessionStorage.getItem(tokenKey),
  set: (token: string): void => sessionStorage.setItem(tokenKey, token),
  clear: (): void => sessionStorage.removeItem(tokenKey),
};

export interface ApiAnswer<T> {
  ok: boolean;
  status: number;
  body: T;
  /** The refusal's message and reason, when not ok. */
  error?: { message: string; reason: string };
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = operatorToken.get();
  return {
    Accept: 'application/json',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...extra,
  };
}

function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function answerOf<T>(response: Response): Promise<ApiAnswer<T>> {
  const body = (await response.json().catch(() => ({}))) as T & {
    message?: string;
    reason?: string;
  };
  const answer: ApiAnswer<T> = { ok: response.ok, status: response.status, body };
  if (!response.ok) {
    answer.error = {
      message: body.message ?? `HTTP ${response.status}`,
      reason: body.reason ?? 'unknown',
    };
  }
  return answer;
}

export async function apiGet<T>(path: string): Promise<ApiAnswer<T>> {
  return answerOf<T>(await fetch(`/api${path}`, { headers: headers() }));
}

export async function apiPost<T>(path: string, body: unknown = {}): Promise<ApiAnswer<T>> {
  const response = await fetch(`/api${path}`, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', 'Idempotency-Key': newKey() }),
    body: JSON.stringify(body),
  });
  return answerOf<T>(response);
}

/** Whether the service counts this tab as an operator (its address, or the token given). */
export async function fetchOperator(): Promise<boolean> {
  const response = await fetch('/dashboard/session', { headers: headers() });
  if (!response.ok) return false;
  return ((await response.json()) as { operator: boolean }).operator;
}

export const segment = (value: string): string => encodeURIComponent(value);
