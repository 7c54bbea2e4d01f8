// The message protocol between our nodes and the flow (topics, payload shapes), and the views of stored
// rows that leave the package: camelCase, ISO times.
export * from './protocol';
export * from './views';
