// Watermarks of the table extracts: one operation a file.
export { findWatermark } from './get-watermark';
export { listWatermarks } from './list-watermarks';
export { advanceWatermark, type WatermarkAdvance } from './advance-watermark';
export { resetWatermark, type WatermarkReset } from './reset-watermark';
export { parkExtractedBatch, type ExtractedBatch } from './park-extracted-batch';
export { WatermarkMovedError, MAX_WATERMARK_JSON } from './watermark-errors';
