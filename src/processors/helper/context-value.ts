import type { ClientInfo } from '../../component/component.js';

/**
 * Values taken from the request context rather than the data, as the
 * Collector's `from_context` reads them:
 * - `metadata.<header>` (or a bare header name): a request header, present
 *   only when the receiver has `include_metadata: true`; several values are
 *   joined with ";".
 * - `auth.<name>`: an attribute of the authenticated identity (for example a
 *   bearer token's `tenant`); `auth.subject` falls back to the identity itself.
 * - `client.address`: the caller's IP address.
 *
 * The batch processor hands on only the metadata named in its
 * `metadata_keys`, so a processor that reads the context must come before
 * `batch` in the pipeline, or `batch` must list the keys.
 */
export type ContextKey =
  | { readonly kind: 'metadata'; readonly name: string }
  | { readonly kind: 'auth'; readonly name: string }
  | { readonly kind: 'address' };

export function parseContextKey(key: string): ContextKey {
  if (key === 'client.address') return { kind: 'address' };
  if (key.startsWith('auth.')) return { kind: 'auth', name: key.slice(5) };
  if (key.startsWith('metadata.')) return { kind: 'metadata', name: key.slice(9).toLowerCase() };
  return { kind: 'metadata', name: key.toLowerCase() };
}

/** Every value the context holds for the key (several only for repeated headers). */
export function contextValues(client: ClientInfo, key: ContextKey): readonly string[] {
  switch (key.kind) {
    case 'address':
      return client.address === undefined || client.address === '' ? [] : [client.address];
    case 'auth': {
      const a = client.auth;
      if (a === undefined) return [];
      const v = a.attributes[key.name] ?? (key.name === 'subject' ? a.subject : undefined);
      return v === undefined ? [] : [v];
    }
    case 'metadata':
      return client.metadata?.get(key.name) ?? [];
  }
}

/** The value as the attributes processor sets it: repeated values joined with ";", undefined when absent. */
export function contextValue(client: ClientInfo, key: ContextKey): string | undefined {
  const vs = contextValues(client, key);
  return vs.length === 0 ? undefined : vs.join(';');
}
