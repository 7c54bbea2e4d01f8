/** One row of a failed group as its error payload keeps it: its row, its own key and the row as read. */
export interface GroupMember {
  rowNumber: number;
  idempotencyKey: string;
  /** The row as read (the JSON text a single row's `original_payload` holds). */
  original: string;
}

/**
 * A failed group's `original_payload`: a JSON list of its rows as read, each with its row number and its own
 * key, so its error file (and the replay of it) has every row, and a correction can be checked row by row. A
 * single row's original is a JSON object, never a list: the two cannot be taken for each other.
 */
export function groupOriginal(members: readonly GroupMember[]): string {
  // The originals are JSON already: put in as they are, not parsed and written again.
  return `[${members.map((member) => `{"rowNumber":${member.rowNumber},"idempotencyKey":${JSON.stringify(member.idempotencyKey)},"original":${member.original}}`).join(',')}]`;
}

/** The rows of a failed group's stored original; undefined when the original is not a group's. */
export function readGroupOriginal(text: string | null): GroupMember[] | undefined {
  if (!text || !text.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const members: GroupMember[] = [];
  for (const entry of value) {
    if (!entry || typeof entry !== 'object') return undefined;
    const { rowNumber, idempotencyKey, original } = entry as Record<string, unknown>;
    if (typeof rowNumber !== 'number' || typeof idempotencyKey !== 'string' || !original || typeof original !== 'object') return undefined;
    members.push({ rowNumber, idempotencyKey, original: JSON.stringify(original) });
  }
  return members;
}
