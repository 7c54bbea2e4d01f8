// A Node-RED user dir for a benchmark runtime: the flow, its plain credentials, and (for our nodes) a
// package linked in as an installed module, as scripts/link-package.js does for `npm start`.
import fs from 'node:fs';
import path from 'node:path';
import type { Flow } from './flows';

export interface LinkedPackage {
  dir: string;
  name: string;
}

export function writeUserDir(userDir: string, flow: Flow, linked?: LinkedPackage): void {
  fs.mkdirSync(userDir, { recursive: true });
  const dependencies: Record<string, string> = {};
  if (linked) {
    // Node-RED loads the nodes, locales and examples from it.
    const link = path.join(userDir, 'node_modules', ...linked.name.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(linked.dir, link, 'dir');
    dependencies[linked.name] = `file:${linked.dir}`;
  }
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bsync-bench', private: true, dependencies }, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow.nodes, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(flow.credentials, null, 2));
}
