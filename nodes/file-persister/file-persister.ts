import type { NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { describeError, FileRefusedError } from '../../lib/errors';
import {
  duplicateLookupIn,
  FILE_GONE,
  InboundWatcher,
  persistFile,
  registerBatchFolder,
  type DuplicateFile,
  type DuplicateLookup,
  type FileReference,
  type PersistSource,
} from '../../lib/files';
import { fileMessage } from '../../lib/messages';
import { FILE_PERSISTER_RULES } from '../../lib/node-red/field-rules';
import { registerFlowNode, type FlowNodeContext, type Send } from '../../lib/node-red/flow-node';
import { readConfig, type FilePersisterConfig, type FilePersisterDef } from './config';
import type { DataDirSettings } from '../../lib/node-red/config-values';
import { readFileRequest, type FilePersisterMessage } from './file-request';
import { OneAtATime } from './one-at-a-time';

function start(context: FlowNodeContext<FilePersisterConfig>) {
  const { node, config, text } = context;
  const store = context.store as FlowNodeContext<FilePersisterConfig>['store'] | undefined;
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
    if (pollProblem) context.statusText('error', pollProblem);
    else if (lastHandedOn) context.status('ok', 'status.handedOn', { file: lastHandedOn });
    else if (config.pollIntervalMs > 0) context.status('idle', 'status.watching', { folder: config.folders.inbound });
    else context.status('idle', 'status.waiting');
  };

  function handOff(source: PersistSource, groupType: string, allowDuplicates: boolean): Promise<FileReference | DuplicateFile> {
    return handOffs.run(() => persistFile(source, { folders: config.folders, groupType, allowDuplicates, findDuplicate }));
  }

  function handedOn(file: FileReference, groupType: string): NodeMessage {
    lastHandedOn = file.fileName;
    context.status('ok', 'status.handedOn', { file: file.fileName });
    return fileMessage(file, groupType) as unknown as NodeMessage;
  }

  const duplicateText = (given: string, duplicate: DuplicateFile, groupType: string) =>
    text('errors.duplicate', { file: given, batch: duplicate.duplicateOf, groupType, path: duplicate.path });

  const watcher =
    config.pollIntervalMs > 0
      ? new InboundWatcher({
          folder: config.folders.inbound,
          pattern: config.pattern,
          intervalMs: config.pollIntervalMs,
          stableMs: config.stableMs,
          onFile: (file) =>
            context.track(
              (async () => {
                let result;
                try {
                  result = await handOff({ path: file.path }, config.groupType, config.allowDuplicates);
                } catch (error) {
                  // A refused file stays where it is and is not tried again until it changes; anything else
                  // (database down) goes back to the poller, which tries the file again later.
                  if (!(error instanceof FileRefusedError)) throw error;
                  // Another runtime's file-persister on the same inbound folder took it first: its batch, not a fault.
                  if (error.code === FILE_GONE) {
                    node.debug(describeError(error));
                    return;
                  }
                  context.statusText('error', describeError(error));
                  node.error(error, { filename: file.path, error: { message: error.message, code: error.code } } as NodeMessage);
                  return;
                }
                if (result.kind === 'duplicate') {
                  node.warn(duplicateText(file.name, result, config.groupType));
                  context.status('warn', 'status.duplicate', { batch: result.duplicateOf });
                } else {
                  node.send(handedOn(result, config.groupType));
                }
              })(),
            ),
          onError: (error) => {
            pollProblem = describeError(error);
            context.statusText('error', pollProblem);
            node.error(error, { filename: config.folders.inbound, error: { message: describeError(error) } } as NodeMessage);
          },
          onRecovered: () => {
            pollProblem = undefined;
            showReady();
          },
        })
      : undefined;
  watcher?.start();

  return {
    showReady,
    async input(incoming: NodeMessageInFlow, send: Send) {
      const msg = incoming as FilePersisterMessage;
      const { source, groupType, allowDuplicates } = readFileRequest(msg, config);
      const result = await handOff(source, groupType, allowDuplicates);
      if (result.kind === 'duplicate') {
        // Whoever sent the file (an upload through http-in) needs an answer: a Catch node gets this one.
        context.status('warn', 'status.duplicate', { batch: result.duplicateOf });
        const refusal = new FileRefusedError('DUPLICATE', String(msg.filename), `${duplicateText(String(msg.filename), result, groupType)}; ${text('errors.allowDuplicates')}`);
        throw Object.assign(refusal, { statusShown: true });
      }
      send(Object.assign(msg, handedOn(result, groupType)));
    },
    async stop() {
      await watcher?.stop();
      await handOffs.idle();
      unregisterProcessingFolder();
    },
  };
}

function register(RED: NodeAPI): void {
  registerFlowNode<FilePersisterDef, FilePersisterConfig>(RED, {
    type: 'file-persister',
    // The store is there for the duplicate check: a node that hands on duplicates anyway may go without.
    uses: { store: (def) => (def.allowDuplicates === true && !def.store ? false : def.store) },
    configure: (def, red) => readConfig(def, red.settings as unknown as DataDirSettings),
    start,
    options: { settings: { filePersisterFieldRules: { value: FILE_PERSISTER_RULES, exportable: true } } },
  });
}

export = register;
