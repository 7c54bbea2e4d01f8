import { BsyncError } from '../errors';

/** A `{field}` of the path template has no value in the row. */
class PathTemplateError extends BsyncError {
  constructor(template: string, field: string) {
    super('PATH_TEMPLATE', `path ${template}: the row has no value for {${field}}`);
  }
}

/** Fills `/employees/{employeeNumber}/bank-connections` from a row; values are URL-encoded. */
export function fillPathTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{([^{}]+)\}/g, (_match, field: string) => {
    const value = values[field.trim()];
    if (value === undefined || value === null || value === '') throw new PathTemplateError(template, field.trim());
    return encodeURIComponent(String(value));
  });
}

