export { readTargetKey, TargetKeyError, TARGET_KEY_MAX_LENGTH, type TargetKeySource } from './target-key';
