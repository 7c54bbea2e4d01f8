import { BsyncError } from '../errors';

export const TARGET_KEY_FIELD = 'targetKey';

/** The update path template does not name `{targetKey}`: no update could address its record. */
export class UpdatePathError extends BsyncError {
  constructor(template: string) {
    super('PATH_TEMPLATE', `update path ${template}: it must name {${TARGET_KEY_FIELD}}, the downstream's id of the record`);
  }
}

/**
 * Splits an update path template at its `{targetKey}`s, so the rest can be filled from the row before the
 * target key is known: `/customers/{targetKey}?src={region}` → [`/customers/`, `?src={region}`].
 */
export function splitUpdateTemplate(template: string): string[] {
  const parts = template.split(/\{\s*targetKey\s*\}/);
  if (parts.length < 2) throw new UpdatePathError(template);
  return parts;
}

/** The update path of a record: the filled parts joined by its target key, URL-encoded. */
export function updatePath(filledParts: readonly string[], targetKey: string): string {
  return filledParts.join(encodeURIComponent(targetKey));
}
