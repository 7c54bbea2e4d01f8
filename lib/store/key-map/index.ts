// The key map (bsync_key_map): one operation a file.
export { findKeyMappings, type FoundMapping } from './find-key-mappings';
export { writeKeyMappings, type KeyMapping } from './write-key-mappings';
export { latestKeyVersions } from './latest-versions';
export { takeKeyMapLock, type KeyMapHolder, type KeyMapLock, type KeyMapLockRequest } from './take-key-map-lock';
