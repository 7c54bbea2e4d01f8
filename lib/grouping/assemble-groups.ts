import { sameParent } from './group-key';

/** Consecutive rows of one parent, to be sent in one call, and the rows between them that fail before sending. */
export interface Group<T> {
  /** The rows to send together, in order; the first names the call (its path and idempotency key). */
  members: T[];
  /**
   * Rows read among the members that failed before sending (read, validation, mapping): each is its own error
   * payload. They neither join nor end a group, and are settled with it, so the checkpoint never passes a
   * group that is still out.
   */
  unsendable: T[];
}

/** Where the assembler reads its rows: a ReadAhead or any source that says undefined at its end. */
export interface RowSource<T> {
  next(): Promise<T | undefined>;
  /** As next(), but a row that is ready is given as it is (see ReadAhead.take): taken instead of next() when there. */
  take?(): T | undefined | Promise<T | undefined>;
}

/**
 * Assembles consecutive rows with the same group column values into groups of at most `maxRows`. The source
 * is expected sorted by parent; a parent that shows up again later starts another group, as does the row
 * after a full one. `recordOf` gives a row's values as read, or undefined for a row that cannot be sent.
 */
export class GroupAssembler<T> {
  /** The group being filled, and the values as read of its first row (its parent). */
  private pending?: { record: Readonly<Record<string, unknown>>; group: Group<T> };
  private ended = false;

  constructor(
    private readonly source: RowSource<T>,
    private readonly columns: readonly string[],
    private readonly maxRows: number,
    private readonly recordOf: (row: T) => Readonly<Record<string, unknown>> | undefined,
  ) {}

  /** The next group, or undefined once the source is done and every group was given out. */
  async next(): Promise<Group<T> | undefined> {
    for (;;) {
      if (this.ended) return this.take();
      // A row that is ready costs no await: a group of rows prepared ahead is assembled in one go.
      const next = this.source.take ? this.source.take() : this.source.next();
      const row = next instanceof Promise ? await next : next;
      if (row === undefined) {
        this.ended = true;
        continue;
      }
      const record = this.recordOf(row);
      if (!record) {
        if (!this.pending) return { members: [], unsendable: [row] };
        this.pending.group.unsendable.push(row);
        continue;
      }
      const done = this.pending && !sameParent(this.pending.record, record, this.columns) ? this.take() : undefined;
      if (this.pending) this.pending.group.members.push(row);
      else this.pending = { record, group: { members: [row], unsendable: [] } };
      // A full group goes at once: waiting for the next row would hold its call back for nothing.
      if (done) return done;
      if (this.pending.group.members.length >= this.maxRows) return this.take();
    }
  }

  private take(): Group<T> | undefined {
    const group = this.pending?.group;
    this.pending = undefined;
    return group;
  }
}
