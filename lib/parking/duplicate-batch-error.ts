import { FileRefusedError } from '../errors';
import type { BatchRow } from '../store';

/** Where a refused copy is now: left in the processing folder, or set aside in the duplicates folder. */
export type DuplicateLocation = { stays: string; moveFailure?: string } | { movedTo: string };

/** A file whose content is already parked in the same group type: parking it again would send its rows twice. */
export class DuplicateBatchError extends FileRefusedError {
  readonly existingBatchId: number;
  readonly existing: BatchRow;
  /** The copy's path now. */
  readonly location: string;

  constructor(fileName: string, existing: BatchRow, where: DuplicateLocation) {
    const now =
      'movedTo' in where
        ? `was moved to ${where.movedTo}`
        : `stays in ${where.stays}${where.moveFailure ? ` (it could not be moved to the duplicates folder: ${where.moveFailure})` : ''}`;
    super(
      'DUPLICATE',
      fileName,
      `file ${fileName} has the same content (sha256 ${existing.sha256}) as batch ${existing.id} (${existing.status}, ` +
        `group type ${existing.group_type}): it was not parked again and ${now}; ` +
        'set allowDuplicates on the file reference to park it anyway',
    );
    this.existingBatchId = existing.id;
    this.existing = existing;
    this.location = 'movedTo' in where ? where.movedTo : where.stays;
  }
}
