import type { BatchRow } from '../store';

/** What a flow usually needs of a parked batch, in the camelCase of msg properties. */
export interface ParkedBatchView {
  id: number;
  status: BatchRow['status'];
  groupType: string;
  groupId: string | null;
  parkedUntil: number;
  kind: BatchRow['kind'];
  fileName: string | null;
}

export function parkedBatchView(batch: BatchRow): ParkedBatchView {
  return {
    id: batch.id,
    status: batch.status,
    groupType: batch.group_type,
    groupId: batch.group_id,
    parkedUntil: batch.parked_until,
    kind: batch.kind,
    fileName: batch.file_name,
  };
}

/** "payroll" or "payroll/acme": how a batch's group is shown in statuses and messages. */
export function groupLabel(batch: Pick<BatchRow, 'group_type' | 'group_id'>): string {
  return batch.group_id ? `${batch.group_type}/${batch.group_id}` : batch.group_type;
}
