import { BsyncError } from '../errors';

/** A `{field}` of the path template has no value in the row. */
class PathTemplateError extends BsyncError {
  constructor(template: string, field: string) {
    super('PATH_TEMPLATE', `path ${template}: the row has no value for {${field}}`);
  }
}

/** A `{field}` of the path template holds a list or an object: no single text to put in the path. */
export class PathTemplateValueError extends BsyncError {
  constructor(template: string, field: string) {
    super('PATH_TEMPLATE', `path ${template}: the value for {${field}} is a list or an object, not one value`);
  }
}

/**
 * Fills `/employees/{employeeNumber}/bank-connections` from a row; values are URL-encoded. Text goes in as it
 * is, byte for byte (only encoded); a number or true/false as JSON writes it.
 */
export function fillPathTemplate(template: string, values: Record<string, unknown>): string {
  return compiledTemplate(template).fill((name) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined));
}

/**
 * The same path as fillPathTemplate(template, { ...body, ...record }) (a column as read wins over the mapped
 * body's field), without building that object for every row: each name is looked up in the record, then in
 * the body.
 */
export function fillPathTemplateOver(template: string, record: Record<string, unknown>, body: Record<string, unknown>): string {
  return compiledTemplate(template).fill((name) => (isOwnField(record, name) ? record[name] : isOwnField(body, name) ? body[name] : undefined));
}

/** What a spread copies: own enumerable properties. */
function isOwnField(values: Record<string, unknown>, name: string): boolean {
  return Object.prototype.propertyIsEnumerable.call(values, name);
}

/**
 * A template split once at its `{field}`s. Consecutive rows of a batch mostly address the same parent: the
 * last values and their path are kept, and the same values give the same path without encoding them again.
 */
class CompiledTemplate {
  private readonly texts: string[] = [];
  private readonly names: string[] = [];
  private last?: { values: unknown[]; encoded: string[]; path: string };

  constructor(private readonly template: string) {
    let at = 0;
    for (const match of template.matchAll(/\{([^{}]+)\}/g)) {
      this.texts.push(template.slice(at, match.index));
      this.names.push(match[1].trim());
      at = match.index + match[0].length;
    }
    this.texts.push(template.slice(at));
  }

  /** Field by field, in order, as String.replace went: the first field without a value (or not encodable) throws. */
  fill(valueOf: (name: string) => unknown): string {
    const { names, template, last } = this;
    const values = new Array<unknown>(names.length);
    const encoded = new Array<string>(names.length);
    let same = last !== undefined;
    for (let index = 0; index < names.length; index += 1) {
      const value = valueOf(names[index]);
      if (value === undefined || value === null || value === '') throw new PathTemplateError(template, names[index]);
      if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') throw new PathTemplateValueError(template, names[index]);
      values[index] = value;
      if (same && last!.values[index] === value) encoded[index] = last!.encoded[index];
      else {
        same = false;
        encoded[index] = encodeURIComponent(String(value));
      }
    }
    if (same) return last!.path;
    let path = this.texts[0];
    for (let index = 0; index < names.length; index += 1) path += encoded[index] + this.texts[index + 1];
    this.last = { values, encoded, path };
    return path;
  }
}

/** Templates are few (one or two per node): a small cache is enough. */
const MAX_CACHED_TEMPLATES = 100;
const compiled = new Map<string, CompiledTemplate>();

function compiledTemplate(template: string): CompiledTemplate {
  let found = compiled.get(template);
  if (!found) {
    if (compiled.size >= MAX_CACHED_TEMPLATES) compiled.delete(compiled.keys().next().value as string);
    found = new CompiledTemplate(template);
    compiled.set(template, found);
  }
  return found;
}
