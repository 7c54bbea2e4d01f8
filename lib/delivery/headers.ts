// Header sets merged by case-insensitive name, later sources winning, as HTTP treats names.
import type { EndpointAuth } from './api-types';

export type HeaderSet = Record<string, string>;

/**
 * A header set merged once (an endpoint's own headers and its auth), onto which each request's few
 * headers are merged: by case-insensitive name, a later source's value and name case winning, in the place
 * where the name first appeared. Every request of a batch sends the same endpoint headers, and merging
 * them anew per row (entries, a Map, fromEntries) cost more than the rest of the request's setup.
 */
export class MergedHeaders {
  /** Final names and values, in the order of each name's first appearance in any case. */
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  private readonly indexByName = new Map<string, number>();

  constructor(...sources: (HeaderSet | undefined)[]) {
    for (const source of sources) {
      for (const name of Object.keys(source ?? {})) {
        const lowerName = name.toLowerCase();
        const index = this.indexByName.get(lowerName);
        if (index === undefined) {
          this.indexByName.set(lowerName, this.names.length);
          this.names.push(name);
          this.values.push((source as HeaderSet)[name]);
        } else {
          this.names[index] = name;
          this.values[index] = (source as HeaderSet)[name];
        }
      }
    }
  }

  /** The constructor's sources merged with these after them, in a new object the caller may change. */
  with(...sources: (HeaderSet | undefined)[]): HeaderSet {
    const [names, values] = this.merged(sources);
    const merged: HeaderSet = {};
    for (let index = 0; index < names.length; index += 1) setOwn(merged, names[index], values[index]);
    return merged;
  }

  /**
   * The same merge as undici's flat list, [name, value, name, value, ...], in the order of `with`'s object
   * keys: a request's headers handed to undici as a list spare the object made per row (undici reads a list
   * as it reads an object's keys). A new list the caller may add to.
   */
  listWith(...sources: (HeaderSet | undefined)[]): string[] {
    const [names, values] = this.merged(sources);
    // An object puts names that are array indices ("123") first, ascending: such a name takes the object's order.
    for (const name of names) {
      if (isArrayIndex(name)) return Object.entries(this.with(...sources)).flat();
    }
    const list = new Array<string>(names.length * 2);
    for (let index = 0; index < names.length; index += 1) {
      list[2 * index] = names[index];
      list[2 * index + 1] = values[index];
    }
    return list;
  }

  private merged(sources: (HeaderSet | undefined)[]): [names: readonly string[], values: readonly string[]] {
    let names = this.names;
    let values = this.values;
    // A request brings a few headers of its own: the names it adds are looked up in a short list.
    const addedNames: string[] = [];
    for (const source of sources) {
      if (source === undefined) continue;
      for (const name of Object.keys(source)) {
        if (names === this.names) {
          names = names.slice();
          values = values.slice();
        }
        const lowerName = name.toLowerCase();
        let index = this.indexByName.get(lowerName);
        if (index === undefined) {
          const added = addedNames.indexOf(lowerName);
          if (added >= 0) index = this.names.length + added;
        }
        if (index === undefined) {
          addedNames.push(lowerName);
          names.push(name);
          values.push(source[name]);
        } else {
          names[index] = name;
          values[index] = source[name];
        }
      }
    }
    return [names, values];
  }
}

/** A name an object orders as an array index: a canonical whole number below 2^32 - 1. */
function isArrayIndex(name: string): boolean {
  const first = name.charCodeAt(0);
  if (!(first >= 48 && first <= 57)) return false;
  return /^(?:0|[1-9][0-9]*)$/.test(name) && Number(name) < 4294967295;
}

/** An own property as Object.fromEntries makes it, also for a name like `__proto__`. */
function setOwn(target: HeaderSet, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

export function hasHeader(headers: HeaderSet, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === wanted);
}

/** hasHeader for undici's flat list of names and values. */
export function listHasHeader(list: readonly string[], name: string): boolean {
  const wanted = name.toLowerCase();
  for (let index = 0; index < list.length; index += 2) {
    if (list[index].toLowerCase() === wanted) return true;
  }
  return false;
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
