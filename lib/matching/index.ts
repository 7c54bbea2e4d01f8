export { readTargetKey, TargetKeyError, TARGET_KEY_MAX_LENGTH, type TargetKeySource } from './target-key';
export { sourceKeyOf, SOURCE_KEY_MAX_LENGTH, type SourceKeyResult } from './source-key';
export { contentHash } from './content-hash';
export { decideDelivery, type DecisionOptions, type DeliveryDecision, type KnownMapping } from './decide-delivery';
export { splitUpdateTemplate, updatePath, UpdatePathError, TARGET_KEY_FIELD } from './update-path';
export type { MatchingSettings, MatchRequest } from './matching-settings';
