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
  return template.replace(/\{([^{}]+)\}/g, (_match, field: string) => {
    const name = field.trim();
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (value === undefined || value === null || value === '') throw new PathTemplateError(template, name);
    if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') throw new PathTemplateValueError(template, name);
    return encodeURIComponent(String(value));
  });
}

