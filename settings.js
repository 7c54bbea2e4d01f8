// Node-RED settings for `npm start`: this package's nodes, the flows in flows/, data in data/ (git-ignored).
const path = require('path');

const dataDir = path.join(__dirname, 'data');

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.PORT) || 1880,
  userDir: path.join(dataDir, 'node-red'),
  flowFile: path.join(__dirname, 'flows', 'flows.json'),
  flowFilePretty: true,
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || 'bsync-demo-only-change-me',
  functionGlobalContext: {},
  // Where the shipped flows keep their batch files: inbound, processing, archive, failed, duplicates.
  bsyncDataDir: dataDir,
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
};
