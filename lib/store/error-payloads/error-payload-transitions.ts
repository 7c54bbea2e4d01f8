import { InvalidTransitionError } from '../../errors';
import type { ErrorPayloadStatus } from '../tables';

/** The error payload state machine of DESIGN.md. */
const NEXT: Record<ErrorPayloadStatus, readonly ErrorPayloadStatus[]> = {
  NEW: ['READY', 'DISCARDED'],
  READY: ['RESUBMITTED', 'NEW', 'DISCARDED'],
  // Claimed for resending: delivered, or back to NEW with the new error; a lost lease frees it again.
  RESUBMITTED: ['RESOLVED', 'NEW', 'RESUBMITTED'],
  RESOLVED: [],
  DISCARDED: [],
};

export function canErrorPayloadBecome(from: ErrorPayloadStatus, to: ErrorPayloadStatus): boolean {
  return NEXT[from]?.includes(to) ?? false;
}

export function assertErrorPayloadTransition(id: number, batchId: number, from: ErrorPayloadStatus, to: ErrorPayloadStatus): void {
  if (!canErrorPayloadBecome(from, to)) throw new InvalidTransitionError('error payload', id, from, to, batchId);
}
