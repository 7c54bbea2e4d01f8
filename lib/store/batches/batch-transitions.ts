import { InvalidTransitionError } from '../../errors';
import type { BatchStatus } from '../tables';

/** The batch state machine of DESIGN.md: which status may follow which. */
const NEXT: Record<BatchStatus, readonly BatchStatus[]> = {
  NEW: ['SUBMITTED', 'CANCELLED'],
  ERROR_RETRY: ['SUBMITTED', 'CANCELLED'],
  RETRY: ['SUBMITTED', 'CANCELLED'],
  // A claimed batch whose lease ran out is claimed again (SUBMITTED) by another runtime.
  SUBMITTED: ['PROCESSING', 'ERROR_RETRY', 'FAILED', 'SUBMITTED'],
  PROCESSING: ['PROCESSED', 'FAILED', 'ERROR_RETRY', 'SUBMITTED'],
  // A FAILED batch becomes PROCESSED once every failed row was resolved or discarded.
  FAILED: ['RETRY', 'PROCESSED'],
  PROCESSED: ['RETRY'],
  CANCELLED: ['RETRY'],
};

export function canBecome(from: BatchStatus, to: BatchStatus): boolean {
  return NEXT[from]?.includes(to) ?? false;
}

export function assertBatchTransition(id: number, from: BatchStatus, to: BatchStatus): void {
  if (!canBecome(from, to)) throw new InvalidTransitionError('batch', id, from, to);
}
