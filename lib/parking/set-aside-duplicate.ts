import { describeError } from '../errors';
import { moveFile } from '../files/move-file';
import { DuplicateBatchError } from './duplicate-batch-error';
import { locationOf, type FileReference } from './file-reference';

/**
 * A copy refused as a duplicate goes where the file-persister puts the duplicates it finds itself, so the
 * processing folder keeps only files that have a batch. Without a duplicates folder, or when the move fails,
 * it stays where it is and the error says so: the file is never lost.
 */
export async function setAsideDuplicate(reference: FileReference, refused: DuplicateBatchError): Promise<DuplicateBatchError> {
  if (!reference.duplicatesFolder) return refused;
  try {
    const movedTo = await moveFile(locationOf(reference), reference.duplicatesFolder, reference.fileName);
    return new DuplicateBatchError(reference.fileName, refused.existing, { movedTo });
  } catch (error) {
    return new DuplicateBatchError(reference.fileName, refused.existing, { stays: locationOf(reference), moveFailure: describeError(error) });
  }
}
