/**
 * What file-persister hands on and parking-lot parks: a file already moved into the processing folder,
 * with the content hash the duplicate check used. `path` is `folder` + `fileName`, absolute.
 */
export interface FileReference {
  kind: 'file';
  fileName: string;
  folder: string;
  path: string;
  sha256: string;
  size: number;
  /** Epoch milliseconds when file-persister took the file over. */
  receivedAt: number;
  groupType?: string;
  allowDuplicates?: boolean;
  /**
   * Where file-persister parks duplicates, so that parking-lot can move a copy there when its own
   * re-check (inside the registering transaction) finds that another batch got the same content first.
   */
  duplicatesFolder?: string;
  /**
   * The proof that this runtime issued the reference (lib/files/issued-references.ts): parking-lot parks
   * no file reference without it, so a message cannot make us read or move a file nobody handed us.
   */
  signature?: string;
}

/** A file whose content is already parked as a batch: it now lies in the duplicates folder, and nothing was registered. */
export interface DuplicateFile {
  kind: 'duplicate';
  duplicateOf: number;
  fileName: string;
  path: string;
  sha256: string;
  size: number;
}

export function isFileReference(value: unknown): value is FileReference {
  const candidate = value as Partial<FileReference> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'file' &&
    typeof candidate.path === 'string' &&
    typeof candidate.fileName === 'string' &&
    typeof candidate.folder === 'string' &&
    typeof candidate.sha256 === 'string' &&
    typeof candidate.size === 'number'
  );
}
