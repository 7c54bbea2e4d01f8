// Batch files on disk: safe paths, atomic moves that never overwrite, hashing, inbound polling, the hand-off.
export { type FileReference, type DuplicateFile } from './file-reference';
export { resolveInboundPath } from './safe-path';
export { moveFile, copyAcrossDevices, writeIntoFolder } from './move-file';
export { freeNameCandidates, tempNameFor } from './free-names';
export { fitName, MAX_NAME_BYTES, FREE_SUFFIX_BYTES } from './fit-name';
export { hashFile, hashBuffer, type ContentHash } from './hash-file';
export { fileNameMatcher, isUnfinishedName } from './file-pattern';
export { InboundWatcher, type InboundWatcherOptions, type StableFile } from './watch-inbound';
export { duplicateLookupIn, type DuplicateLookup } from './duplicate-lookup';
export { persistFile, FILE_GONE, type PersistFolders, type PersistSource, type PersistOptions } from './persist-file';
export { issueFileReference, verifyFileReference } from './issued-references';
export { registerBatchFolder, registeredBatchFolders, isInBatchFolder } from './batch-folders';
export { contentDisposition, asciiFileName, csvDownloadHeaders } from './content-disposition';
