import type { ControlRow } from '../tables';

/** Drivers differ on BIGINT and BOOLEAN (number, string or boolean): the row we hand on has numbers and a boolean. */
export function normalizeControl(row: Record<string, unknown>): ControlRow {
  return {
    dispatcher: String(row.dispatcher),
    fetch_size: Number(row.fetch_size),
    max_in_flight: Number(row.max_in_flight),
    paused: row.paused === true || Number(row.paused) === 1,
    updated_by: row.updated_by === null || row.updated_by === undefined ? null : String(row.updated_by),
    updated_at: Number(row.updated_at),
  };
}
