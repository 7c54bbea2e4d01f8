import { batchView } from '../messages';
import type { ResendByKey } from './resend-by-key';

/** A resend's answer as it leaves the package (route body, msg.payload): the parked batches as views. */
export function resendView(answer: ResendByKey) {
  return {
    resent: answer.resent.map((resent) => ({ batch: batchView(resent.batch), parentBatchId: resent.parent.id, rows: resent.rows, sourceKeys: resent.sourceKeys })),
    refused: answer.refused,
  };
}
