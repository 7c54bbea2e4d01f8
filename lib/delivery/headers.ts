// Header sets merged by case-insensitive name, later sources winning, as HTTP treats names.
import type { EndpointAuth } from './api-types';

export type HeaderSet = Record<string, string>;

export function mergeHeaders(...sources: (HeaderSet | undefined)[]): HeaderSet {
  const byName = new Map<string, [string, string]>();
  for (const source of sources) {
    for (const [name, value] of Object.entries(source ?? {})) byName.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(byName.values());
}

export function hasHeader(headers: HeaderSet, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === wanted);
}

export function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** The header of the auth types that need no round trip; OAuth2 tokens come from the token provider. */
export function staticAuthHeader(auth: EndpointAuth): HeaderSet {
  switch (auth.type) {
    case 'basic':
      return { Authorization: basicCredentials(auth.username, auth.password) };
    case 'bearer':
      return { Authorization: `Bearer ${auth.token}` };
    case 'apiKey':
      return { [auth.header]: auth.value };
    case 'none':
    case 'oauth2':
      return {};
  }
}
