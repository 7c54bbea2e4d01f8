import { BsyncError } from '../../errors';

/**
 * Another run of the same extract advanced (or an admin reset) the watermark since this run read it: this
 * run's rows may already be parked, so its batch is not parked and its transaction is rolled back.
 */
export class WatermarkMovedError extends BsyncError {
  readonly extract: string;

  constructor(extract: string) {
    super('WATERMARK_MOVED', `the watermark of extract "${extract}" was changed by another run or an admin while this run read its rows; nothing was parked, the next run reads from the new watermark`);
    this.extract = extract;
  }
}

/** The longest watermark value stored (JSON): a watermark is a few column values, not a row. */
export const MAX_WATERMARK_JSON = 4000;
