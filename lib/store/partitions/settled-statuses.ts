import type { BatchStatus } from '../tables';

/** A partition in one of these is done with its rows: its parent finishes once every partition is. */
export const SETTLED_PARTITION_STATUSES: readonly BatchStatus[] = ['PROCESSED', 'FAILED'];
