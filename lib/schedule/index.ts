// Scheduling and dispatching: what a scheduled-dispatcher does, testable without Node-RED.
export { validateCron, createSchedule, type Schedule } from './cron-schedule';
export { RunGuard } from './run-guard';
export { dispatcherKey, type DispatchMode, type DispatcherIdentity } from './dispatcher-key';
export { runtimeId } from './runtime-id';
export { dispatchRun, type DispatchRunOptions, type DispatchRunResult } from './dispatch-run';
export { clockTime } from './clock-time';
export { readDispatcherConfig, type DispatcherConfig, type RawDispatcherConfig } from './dispatcher-config';
export { throttleRequest } from './throttle-request';
