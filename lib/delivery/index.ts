// Delivery: sending rows to the downstream API, judging the answers, retrying and backing off.
export type { ApiRequest, ApiResponse, EndpointAuth, EndpointConfig } from './api-types';
export { ApiClient } from './api-client';
export { classifyResponse, classifyError, type Outcome, type SuccessCheck } from './classify';
export { backoffDelay, RETRY_AFTER_CEILING_MS, type RetryPolicy } from './retry-policy';
export { CircuitBreaker } from './circuit-breaker';
export { deliver, type DeliverOptions, type Delivery } from './deliver';
export { parseRetryAfter } from './retry-after';
export { MAX_RESPONSE_BODY_BYTES } from './read-capped-body';
export { EndpointConfigError, RequestTimeoutError, ConnectionFailedError, RequestCancelledError, TokenRequestError } from './errors';
export { chooseProxy, bypassesProxy, proxyFromEnvironment, type ProxyConfig, type ChosenProxy } from './proxy';
