// tsc only emits JavaScript; Node-RED also needs each node's editor .html and locales beside its .js.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'nodes');
const target = path.join(root, 'dist', 'nodes');

for (const type of fs.readdirSync(source)) {
  const from = path.join(source, type);
  if (!fs.statSync(from).isDirectory()) continue;
  fs.cpSync(from, path.join(target, type), {
    recursive: true,
    filter: (file) => !file.endsWith('.ts'),
  });
}
