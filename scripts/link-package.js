// `npm start` runs Node-RED with this checkout installed as a package of its user directory, the way
// `npm install` would install it into an existing Node-RED: nodes, locales and examples all load from it.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const { name } = require('../package.json');
const userDir = path.join(root, 'data', 'node-red');
const link = path.join(userDir, 'node_modules', ...name.split('/'));

fs.mkdirSync(path.dirname(link), { recursive: true });
if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
const manifest = path.join(userDir, 'package.json');
if (!fs.existsSync(manifest)) {
  fs.writeFileSync(manifest, JSON.stringify({ name: 'bsync-demo', private: true, dependencies: { [name]: `file:${root}` } }, null, 2));
}
