// All or nothing: a first pass over every row before anything is sent, and the undo of applied rows.
export { type AllOrNothingSettings } from './all-or-nothing-settings';
export { checkEveryRow, type FirstPassResult } from './first-pass';
export { AllOrNothingSend } from './all-or-nothing-send';
export { compensateAppliedRows, compensationDue, type CompensationEnd } from './compensate';
export { resendUndo } from './resend-undo';
