// Whether a user's permissions (Node-RED's `adminAuth` users: "*", "read", or a list like
// ["read", "bsync.write"]) include one of ours. The same rules as Node-RED's own check
// (@node-red/editor-api lib/auth/permissions.js), so `bsync.read` / `bsync.write` mean what an admin
// expects: "*" grants both, "read" grants bsync.read, "write" grants bsync.write, and either can be given
// by its own name. Node-RED answers a missing permission with 401; we need it after Node-RED's check has
// let the user in, to answer a reader's change with 403 and the reason.

const READ = /^((.+)\.)?read$/;
const WRITE = /^((.+)\.)?write$/;

export function hasPermission(scope: unknown, permission: string): boolean {
  if (Array.isArray(scope)) return scope.some((one) => hasPermission(one, permission));
  if (typeof scope !== 'string') return false;
  if (scope === '*' || scope === permission) return true;
  if (scope === 'read' || scope === '*.read') return READ.test(permission);
  if (scope === 'write' || scope === '*.write') return WRITE.test(permission);
  return false;
}

/** The name written to bsync_event: the editor user, or `anonymous` without admin auth (as Node-RED calls them). */
export function actorOfUser(user: unknown): string {
  if (user && typeof user === 'object') {
    const { username, anonymous } = user as { username?: unknown; anonymous?: unknown };
    if (typeof username === 'string' && username.trim() !== '' && anonymous !== true) return username.trim().slice(0, 200);
  }
  return 'anonymous';
}
