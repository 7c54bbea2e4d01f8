// Node-RED settings for `npm start`: this package's nodes, data in data/ (git-ignored), and the flows of
// data/flows/flows.json: a copy of the shipped flows/flows.json made on the first start
// (scripts/prepare-demo.js), so a deploy from the editor never changes a tracked file.
// BSYNC_DATA_DIR and BSYNC_FLOW_FILE move the data folder and the flow file (the editor test runs on
// temporary copies); PORT moves the editor (the demo API in the shipped flow expects 1880).
const path = require('path');

const dataDir = process.env.BSYNC_DATA_DIR ? path.resolve(process.env.BSYNC_DATA_DIR) : path.join(__dirname, 'data');

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.PORT) || 1880,
  userDir: path.join(dataDir, 'node-red'),
  flowFile: process.env.BSYNC_FLOW_FILE ? path.resolve(process.env.BSYNC_FLOW_FILE) : path.join(dataDir, 'flows', 'flows.json'),
  flowFilePretty: true,
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || 'bsync-demo-only-change-me',
  // The demo's source system (a customers table that changes every minute), for the Database sync tab.
  functionGlobalContext: { demoSource: require('./scripts/demo-source').openDemoSource(dataDir) },
  // Where the shipped flows keep their batch files: inbound, processing, archive, failed, duplicates.
  bsyncDataDir: dataDir,
  // Relative paths of core file nodes too: the shipped flow's "drop another sample file" writes inbound/….
  fileWorkingDirectory: dataDir,
  // No consent dialog on the first visit: nothing is sent, no update check.
  telemetry: { enabled: false, updateNotification: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
};
