// The flows the benchmark deploys: our pipeline (file-persister -> parking-lot -> scheduled-dispatcher ->
// row-processor) and the flow a user would otherwise build from core nodes (file in -> csv -> http request).

export const GROUP_TYPE = 'employee-bank-connections';
export const STORE_NODE = 'bench-store';
export const DISPATCHER_NODE = 'bench-dispatcher';
export const CORE_FILE_NODE = 'core-file';
export const CORE_HTTP_NODE = 'core-http';

/** The row schema of the reference scenario, as a user would configure it on the row-processor. */
export const ROW_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['employeeNumber', 'iban', 'bankIdentifier', 'branchIdentifier', 'accountNumber'],
  properties: {
    employeeNumber: { type: 'integer', minimum: 1000 },
    iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' },
    bankIdentifier: { type: 'string', pattern: '^[A-Z0-9]{8,11}$' },
    branchIdentifier: { type: 'string', minLength: 1 },
    accountNumber: { type: 'string', pattern: '^[0-9]{1,20}$' },
  },
});

/** A JSONata mapping and success check, for the optional "-jsonata" variants. */
export const ROW_MAPPING =
  '{"employeeNumber": employeeNumber, "iban": iban, "bank": {"bic": bankIdentifier, "branch": branchIdentifier}, "accountNumber": accountNumber}';
export const SUCCESS_EXPRESSION = 'status = "SUCCESS"';

export type ServerStoreSettings = { client: 'mysql' | 'postgres'; host: string; port: number; database: string; user: string; password: string };
export type StoreSettings = { client: 'sqlite'; filename: string } | ServerStoreSettings;

export interface PipelineFlowOptions {
  store: StoreSettings;
  apiOrigin: string;
  concurrency: number;
  /** Seconds between looks at the inbound folder, and how long a file must stay unchanged. */
  pollSeconds: number;
  stableSeconds: number;
  jsonata: boolean;
  /** Several runtimes (bench/runtimes.ts): each runtime's inbound folder, the dispatcher's cron and throttle, and whether a
   * finished batch asks its dispatcher for the next one. Unset: as the single-runtime bench has them. */
  inbound?: string;
  cron?: string;
  fetchSize?: number;
  maxInFlight?: number;
  pullNextBatch?: boolean;
  /** false: parking does not trigger the dispatcher (the bench starts it). Default true. */
  dispatchOnPark?: boolean;
  /** The grouped and upsert variants: their group type, and their row-processor fields over the reference ones. */
  groupType?: string;
  rowProcessor?: Record<string, string>;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface Flow {
  nodes: FlowNode[];
  /** flows_cred.json, plain (credentialSecret: false). */
  credentials: Record<string, Record<string, string>>;
}

export function pipelineFlow(options: PipelineFlowOptions): Flow {
  const z = 'bench-tab';
  const store: FlowNode =
    options.store.client === 'sqlite'
      ? { id: STORE_NODE, type: 'batch-store', name: 'bench', client: 'sqlite', filename: options.store.filename, tablePrefix: 'bsync_' }
      : {
          id: STORE_NODE,
          type: 'batch-store',
          name: 'bench',
          client: options.store.client,
          host: options.store.host,
          port: String(options.store.port),
          database: options.store.database,
          tablePrefix: 'bsync_',
          poolMax: '10',
        };
  const credentials: Flow['credentials'] = {};
  if (options.store.client !== 'sqlite') credentials[STORE_NODE] = { user: options.store.user, password: options.store.password };
  return {
    credentials,
    nodes: [
      { id: z, type: 'tab', label: 'bench pipeline' },
      store,
      {
        id: 'bench-api',
        type: 'api-endpoint',
        name: 'payroll',
        baseUrl: options.apiOrigin,
        authType: 'none',
        timeout: '30000',
        // One connection per row in flight: the same as the baseline's pool.
        connections: String(options.concurrency),
        rateLimit: '0',
        headers: '',
      },
      {
        id: 'bench-persister',
        type: 'file-persister',
        z,
        store: STORE_NODE,
        inbound: options.inbound ?? 'inbound',
        processing: 'processing',
        duplicates: 'duplicates',
        pattern: '*.csv',
        pollInterval: String(options.pollSeconds),
        stableTime: String(options.stableSeconds),
        groupType: options.groupType ?? GROUP_TYPE,
        allowDuplicates: false,
        wires: [['bench-parking']],
      },
      { id: 'bench-parking', type: 'parking-lot', z, store: STORE_NODE, groupType: options.groupType ?? GROUP_TYPE, groupId: '', groupPattern: '', parkingMinutes: '0', priority: '0', wires: [options.dispatchOnPark === false ? [] : ['bench-dispatcher']] },
      {
        // Parked batches are dispatched at once (an input message means "run now"); the cron is the default.
        id: 'bench-dispatcher',
        type: 'scheduled-dispatcher',
        z,
        store: STORE_NODE,
        mode: 'batches',
        cron: options.cron ?? '*/10 * * * * *',
        timezone: '',
        groupType: options.groupType ?? GROUP_TYPE,
        groupId: '',
        fetchSize: String(options.fetchSize ?? 10),
        maxInFlight: String(options.maxInFlight ?? 5),
        leaseSeconds: '300',
        dispatcher: '',
        wires: [['bench-processor'], []],
      },
      {
        id: 'bench-processor',
        type: 'row-processor',
        z,
        store: STORE_NODE,
        endpoint: 'bench-api',
        method: 'POST',
        pathTemplate: '/employees/{employeeNumber}/bank-connections',
        headers: '',
        schema: ROW_SCHEMA,
        mapping: options.jsonata ? ROW_MAPPING : '',
        successExpression: options.jsonata ? SUCCESS_EXPRESSION : '',
        concurrency: String(options.concurrency),
        maxAttempts: '3',
        baseDelayMs: '500',
        maxDelayMs: '30000',
        breakerThreshold: '10',
        errorRetryDelay: '60',
        leaseTime: '300',
        windowRows: '1000',
        delimiter: ',',
        quote: '"',
        encoding: 'utf8',
        archiveFolder: 'archive',
        failedFolder: 'failed',
        ...options.rowProcessor,
        wires: [options.pullNextBatch ? ['bench-dispatcher'] : [], []],
      },
    ],
  };
}

/**
 * The grouped variant: contacts sent by their account, one call per group of `groupSize` (group columns and
 * rows per call set on the row-processor, as a user would), the mapping over each group's list.
 */
export const GROUPED_GROUP_TYPE = 'account-contacts';
export const CONTACT_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['contactId', 'accountId', 'email'],
  properties: { contactId: { type: 'string' }, accountId: { type: 'string' }, name: { type: 'string' }, email: { type: 'string', pattern: '@' } },
});
// The brackets keep a group of one row a list (JSONata would give the single object).
export const CONTACT_GROUP_MAPPING = '[$.{"id": contactId, "name": name, "email": email}]';

export function groupedProcessor(groupSize: number): Record<string, string> {
  return {
    pathTemplate: '/accounts/{accountId}/contacts',
    schema: CONTACT_SCHEMA,
    mapping: CONTACT_GROUP_MAPPING,
    successExpression: '',
    groupColumns: 'accountId',
    groupMaxRows: String(groupSize),
    itemResults: '',
  };
}

/**
 * The upsert variant: customers matched by `customerNo` (key matching on the row-processor): an unknown one is
 * created (POST /customers, the id read from the answer's `id`), a known changed one updated (PUT
 * /customers/{targetKey}), a known unchanged one skipped.
 */
export const UPSERT_GROUP_TYPE = 'customers';
export const CUSTOMER_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['customerNo', 'name', 'city'],
  properties: { customerNo: { type: 'string', pattern: '^C-[0-9]+$' }, name: { type: 'string', minLength: 1 }, city: { type: 'string' } },
});

export function upsertProcessor(): Record<string, string> {
  return {
    pathTemplate: '/customers',
    schema: CUSTOMER_SCHEMA,
    mapping: '',
    successExpression: '',
    keyColumns: 'customerNo',
    createMethod: 'POST',
    createPath: '/customers',
    updateMethod: 'PUT',
    updatePath: '/customers/{targetKey}',
    targetKeyFrom: 'body',
    targetKeyExpression: 'id',
    updateNotFound: 'report',
  };
}

export interface CoreFlowOptions {
  file: string;
  apiOrigin: string;
}

/**
 * What a user builds from core nodes alone: file in (one message per line) -> csv (first line is the
 * header) -> switch (data rows only) -> http request (keep-alive, the employee number as idempotency key). Node-RED hands every
 * message on as it comes: nothing bounds how many requests are in flight.
 */
export function coreFlow(options: CoreFlowOptions): Flow {
  const z = 'core-tab';
  return {
    credentials: {},
    nodes: [
      { id: z, type: 'tab', label: 'bench core nodes' },
      {
        id: CORE_FILE_NODE,
        type: 'file in',
        z,
        name: '',
        filename: options.file,
        filenameType: 'str',
        format: 'lines',
        chunk: false,
        sendError: false,
        encoding: 'none',
        allProps: false,
        wires: [['core-csv']],
      },
      {
        id: 'core-csv',
        type: 'csv',
        z,
        name: '',
        spec: 'rfc',
        sep: ',',
        hdrin: true,
        hdrout: 'none',
        multi: 'one',
        ret: '\\n',
        temp: '',
        skip: '0',
        strings: true,
        include_empty_strings: '',
        include_null_values: '',
        wires: [['core-rows']],
      },
      {
        // file in sends the empty line after the last newline too; without this it becomes a request.
        id: 'core-rows',
        type: 'switch',
        z,
        name: 'data rows only',
        property: 'payload.employeeNumber',
        propertyType: 'msg',
        rules: [{ t: 'nnull' }],
        checkall: 'true',
        repair: false,
        outputs: 1,
        wires: [[CORE_HTTP_NODE]],
      },
      {
        id: CORE_HTTP_NODE,
        type: 'http request',
        z,
        name: '',
        method: 'POST',
        ret: 'txt',
        paytoqs: 'ignore',
        url: `${options.apiOrigin}/employees/{{{payload.employeeNumber}}}/bank-connections`,
        tls: '',
        persist: true,
        proxy: '',
        insecureHTTPParser: false,
        authType: '',
        senderr: false,
        headers: [{ keyType: 'other', keyValue: 'Idempotency-Key', valueType: 'msg', valueValue: 'payload.employeeNumber' }],
        wires: [[]],
      },
    ],
  };
}
