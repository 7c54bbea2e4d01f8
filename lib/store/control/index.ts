// Runtime throttle settings per dispatcher (bsync_control): read by every run, changed by admins.
export { findControl, getControl } from './get-control';
export { ensureControl, type ControlDefaults } from './ensure-control';
export { setThrottle, type Throttle } from './set-throttle';
export { setPaused } from './set-paused';
export { countInFlight, type InFlightFilter, type DispatchSource } from './count-in-flight';
export { MAX_THROTTLE_VALUE } from './validate-control';
