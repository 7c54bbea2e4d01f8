// Grouping: child rows sent by their parent key, as many in one call as the downstream takes (DESIGN.md
// "Group child rows by their parent key"). Knows rows only as the processing gives them; sending is theirs.
export { GroupAssembler, type Group, type RowSource } from './assemble-groups';
export { groupKeyOf, sameParent } from './group-key';
export { groupOriginal, readGroupOriginal, type GroupMember } from './group-original';
export { DEFAULT_MAX_GROUP_ROWS, type GroupSettings } from './group-settings';
export { readItemResults, type FailedItem, type ItemResults } from './item-results';
