import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { describeError, FileRefusedError } from '../../lib/errors';
import {
  duplicateLookupIn,
  InboundWatcher,
  persistFile,
  registerBatchFolder,
  type DuplicateFile,
  type DuplicateLookup,
  type FileReference,
  type PersistSource,
} from '../../lib/files';
import { batchStoreOf, watchStore } from '../../lib/node-red/batch-store-node';
import { failMessage } from '../../lib/node-red/fail-message';
import { showStatus } from '../../lib/node-red/status';
import { readConfig, type DataDirSettings, type FilePersisterDef } from './config';
import { readFileRequest, type FilePersisterMessage } from './file-request';
import { OneAtATime } from './one-at-a-time';

function register(RED: NodeAPI): void {
  function FilePersister(this: Node, def: FilePersisterDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = readConfig(def, RED.settings as unknown as DataDirSettings);
    const store = batchStoreOf(RED, def.store);
    const handOffs = new OneAtATime();
    // Parking-lot parks only files in a registered batch folder, and only while this node runs.
    const unregisterProcessingFolder = registerBatchFolder(config.folders.processing);
    let lastHandedOn: string | undefined;
    // Kept so that the store turning ready does not paint "watching" over a folder that is missing.
    let pollProblem: string | undefined;

    const findDuplicate: DuplicateLookup | undefined = store
      ? (groupType, sha256) => store.use((opened) => duplicateLookupIn(opened)(groupType, sha256))
      : undefined;

    const showReady = () => {
      if (pollProblem) showStatus(node, 'error', pollProblem);
      else if (lastHandedOn) showStatus(node, 'ok', `handed on ${lastHandedOn}`);
      else if (config.pollIntervalMs > 0) showStatus(node, 'idle', `watching ${config.folders.inbound}`);
      else showStatus(node, 'idle', 'waiting for files');
    };

    function handOff(source: PersistSource, groupType: string, allowDuplicates: boolean): Promise<FileReference | DuplicateFile> {
      return handOffs.run(() => persistFile(source, { folders: config.folders, groupType, allowDuplicates, findDuplicate }));
    }

    function reportDuplicate(duplicate: DuplicateFile, given: string, groupType: string): void {
      node.warn(`file "${given}" has the same content as batch ${duplicate.duplicateOf} (group type ${groupType}): moved to ${duplicate.path}, not parked again`);
      showStatus(node, 'warn', `duplicate of batch ${duplicate.duplicateOf}: moved to duplicates`);
    }

    function handedOn(file: FileReference, groupType: string): NodeMessage {
      lastHandedOn = file.fileName;
      showStatus(node, 'ok', `handed on ${file.fileName}`);
      return { payload: file, filename: file.path, groupType } as NodeMessage;
    }

    node.on('input', (msg: FilePersisterMessage, send, done) => {
      let request;
      try {
        request = readFileRequest(msg, config);
      } catch (error) {
        failMessage(node, done, error, msg);
        return;
      }
      const { source, groupType, allowDuplicates } = request;
      handOff(source, groupType, allowDuplicates).then(
        (result) => {
          if (result.kind === 'duplicate') {
            // Whoever sent the file (an upload through http-in) needs an answer: a Catch node gets this one.
            showStatus(node, 'warn', `duplicate of batch ${result.duplicateOf}: moved to duplicates`);
            done(
              new FileRefusedError(
                'DUPLICATE',
                String(msg.filename),
                `file "${String(msg.filename)}" has the same content as batch ${result.duplicateOf} (group type ${groupType}): moved to ${result.path}, not parked again; set msg.allowDuplicates to park it anyway`,
              ),
            );
            return;
          }
          send(Object.assign(msg, handedOn(result, groupType)));
          done();
        },
        (error: unknown) => failMessage(node, done, error, msg),
      );
    });

    const watcher =
      config.pollIntervalMs > 0
        ? new InboundWatcher({
            folder: config.folders.inbound,
            pattern: config.pattern,
            intervalMs: config.pollIntervalMs,
            stableMs: config.stableMs,
            onFile: async (file) => {
              let result;
              try {
                result = await handOff({ path: file.path }, config.groupType, config.allowDuplicates);
              } catch (error) {
                // A refused file stays where it is and is not tried again until it changes; anything else
                // (database down) goes back to the poller, which tries the file again later.
                if (!(error instanceof FileRefusedError)) throw error;
                showStatus(node, 'error', describeError(error));
                node.error(error, { filename: file.path, error: { message: error.message, code: error.code } } as NodeMessage);
                return;
              }
              if (result.kind === 'duplicate') reportDuplicate(result, file.name, config.groupType);
              else node.send(handedOn(result, config.groupType));
            },
            onError: (error) => {
              pollProblem = describeError(error);
              showStatus(node, 'error', pollProblem);
              node.error(error, { filename: config.folders.inbound, error: { message: describeError(error) } } as NodeMessage);
            },
            onRecovered: () => {
              pollProblem = undefined;
              showReady();
            },
          })
        : undefined;

    let stopWatchingStore: (() => void) | undefined;
    if (store) stopWatchingStore = watchStore(node, store, showReady);
    else if (config.allowDuplicates) showReady();
    else showStatus(node, 'error', 'no batch-store configured: it is needed for the duplicate check');
    watcher?.start();

    node.on('close', (_removed: boolean, done: () => void) => {
      stopWatchingStore?.();
      unregisterProcessingFolder();
      (async () => {
        await watcher?.stop();
        await handOffs.idle();
      })().then(done, (error: unknown) => {
        node.error(error);
        done();
      });
    });
  }

  RED.nodes.registerType('file-persister', FilePersister as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

export = register;
