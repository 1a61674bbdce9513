/**
 * Errors in the Prometheus HTTP API's shape (prometheus.io/docs/prometheus/latest/querying/api/,
 * "Format overview"): `{"status":"error","errorType":...,"error":...}`, which
 * Grafana and other API clients show as the query's error. errorType uses
 * Prometheus' own values where one fits.
 */
export interface ApiError {
  readonly status: 'error';
  readonly errorType: string;
  readonly error: string;
}

const TYPES: Readonly<Record<number, string>> = {
  400: 'bad_data',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'bad_data',
  422: 'execution',
  429: 'unavailable',
  502: 'unavailable',
  503: 'unavailable',
  504: 'timeout',
};

export function errorTypeFor(status: number): string {
  return TYPES[status] ?? (status >= 500 ? 'internal' : 'bad_data');
}

export function apiError(status: number, message: string): ApiError {
  return { status: 'error', errorType: errorTypeFor(status), error: message };
}

/** True when an upstream error body is already a Prometheus API error, to pass on unchanged. */
export function isApiErrorBody(text: string): boolean {
  try {
    const v = JSON.parse(text) as { status?: unknown; error?: unknown };
    return v !== null && typeof v === 'object' && v.status === 'error' && typeof v.error === 'string';
  } catch {
    return false;
  }
}
