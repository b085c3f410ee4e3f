/**
 * The one way the admin talks to the API: bearer header, JSON errors turned into `ApiError`, and a
 * transparent refresh when the access token has expired. Refresh tokens rotate and reusing an old one
 * revokes the whole session, so concurrent 401s share one refresh call (single flight).
 */
export const API_BASE = '/api/v1';

const ACCESS = 'civicgrid.accessToken';
const REFRESH = 'civicgrid.refreshToken';

export interface FieldIssue {
  field: string;
  reason: string;
}

/** An API error as the server states it: `{ statusCode, code, message, details? }`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export const tokens = {
  access: () => localStorage.getItem(ACCESS),
  refresh: () => localStorage.getItem(REFRESH),
  set(access: string, refresh: string) {
    localStorage.setItem(ACCESS, access);
    localStorage.setItem(REFRESH, refresh);
  },
  clear() {
    localStorage.removeItem(ACCESS);
    localStorage.removeItem(REFRESH);
  },
};

/** Called when the session is over (refresh refused): the shell sends the user to the login page. */
let onSessionEnded: () => void = () => {};
export const setSessionEndedHandler = (fn: () => void) => {
  onSessionEnded = fn;
};

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as {
    code?: string;
    message?: string;
    details?: FieldIssue[];
  } | null;
  return new ApiError(
    res.status,
    body?.code ?? 'http_error',
    body?.message ?? `${res.status} ${res.statusText}`,
    body?.details ?? [],
  );
}

let refreshing: Promise<boolean> | null = null;

/** Spends the refresh token for a new pair; false when the session cannot be continued. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = tokens.refresh();
    if (!refreshToken) return false;
    const res = await fetch(`${API_BASE}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    }).catch(() => null);
    if (!res?.ok) {
      // A network failure keeps the tokens (try again later); a refusal ends the session.
      if (res) tokens.clear();
      return false;
    }
    const pair = (await res.json()) as { accessToken: string; refreshToken: string };
    tokens.set(pair.accessToken, pair.refreshToken);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export interface ApiRequest {
  method?: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** A raw body (a file upload); sent as is with its own content type. */
  raw?: { data: Blob | ArrayBuffer; contentType: string };
  /** Skip the bearer header (login). */
  anonymous?: boolean;
}

export function apiUrl(path: string, query?: ApiRequest['query']): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v != null && v !== '') qs.append(k, String(v));
  const s = qs.toString();
  return `${API_BASE}${path}${s ? `?${s}` : ''}`;
}

/** Sends a request and answers the raw Response (2xx only); errors become ApiError. */
export async function apiRaw(path: string, req: ApiRequest = {}): Promise<Response> {
  const send = () => {
    const headers: Record<string, string> = {};
    const token = tokens.access();
    if (token && !req.anonymous) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (req.raw) {
      headers['content-type'] = req.raw.contentType;
      body = req.raw.data;
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    return fetch(apiUrl(path, req.query), { method: req.method ?? 'GET', headers, body });
  };
  let res = await send();
  if (res.status === 401 && !req.anonymous && tokens.refresh()) {
    const err = await errorOf(res.clone());
    if (err.code === 'token_expired' || err.code === 'invalid_token') {
      if (await refreshSession()) res = await send();
      else onSessionEnded();
    }
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** A JSON request; 204 answers undefined. */
export async function api<T>(path: string, req: ApiRequest = {}): Promise<T> {
  const res = await apiRaw(path, req);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
