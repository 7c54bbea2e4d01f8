// Partitions of a large file batch: split, settled one by one on any runtime, the parent finished by the last.
export { partitionBatch, type PartitionRequest, type Partitioned } from './partition-batch';
export { partitionRanges, type RowRange } from './partition-ranges';
export { restartPartitions } from './restart-partitions';
export { settlePartition, type PartitionEnd, type PartitionSettled } from './settle-partition';
export { listPartitions } from './list-partitions';
export { SETTLED_PARTITION_STATUSES } from './settled-statuses';
