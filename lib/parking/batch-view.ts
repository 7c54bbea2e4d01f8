import type { BatchRow } from '../store';

/** "payroll" or "payroll/acme": how a batch's group is shown in statuses and messages. */
export function groupLabel(batch: Pick<BatchRow, 'group_type' | 'group_id'>): string {
  return batch.group_id ? `${batch.group_type}/${batch.group_id}` : batch.group_type;
}
