import { GroupAssembler, type Group } from '../grouping';
import type { ProcessorSettings } from './processor-settings';
import type { RowSender } from './row-sender';
import type { RowWork } from './row-work';
import { sendGroup, type GroupResults } from './send-group';
import type { RowSource } from '../grouping';

/** A group ready to go: its rows, and the call that settles them all at once. */
export interface GroupSend {
  group: Group<RowWork>;
  send(): Promise<GroupResults | undefined>;
}

/**
 * With group columns set, the batch's rows as groups to send, one call each; undefined without them (each row
 * is its own request, as ever). A row that failed before sending (it has no request) takes part in no group.
 */
export function sendGroups(rows: RowSource<RowWork>, settings: ProcessorSettings, sender: RowSender): { next(): Promise<GroupSend | undefined> } | undefined {
  const group = settings.group;
  if (!group) return undefined;
  const assembler = new GroupAssembler<RowWork>(rows, group.columns, group.maxRows, (row) => (row.request && !row.result ? (row.record ?? {}) : undefined));
  const withGroup = { ...settings, group };
  return {
    async next() {
      const next = await assembler.next();
      return next && { group: next, send: () => sendGroup(sender, next, withGroup) };
    },
  };
}
