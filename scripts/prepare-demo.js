// `npm start`, first start only: copies the shipped flows (flows/flows.json) to data/flows/, which is what
// Node-RED runs and a deploy saves into (settings.js), and creates the demo's inbound folder with a sample
// batch file in it, so a new user sees a batch go through (and a few rows fail) within a minute without
// doing anything. Later starts leave data/ alone; `rm -rf data` gives a fresh first start (and the shipped
// flows again). BSYNC_DATA_DIR moves data/.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dataDir = process.env.BSYNC_DATA_DIR ? path.resolve(process.env.BSYNC_DATA_DIR) : path.join(root, 'data');
const inbound = path.join(dataDir, 'inbound');
const marker = path.join(dataDir, '.demo-prepared');

// Employee bank connections, as an HR system would export them. Rows 4, 7, 10 and 13 are bad on
// purpose: an IBAN that is no IBAN and an employee number that is not a number fail the row schema (never
// sent); the demo payroll API rejects employee numbers 42 and 123456789 with 422 EMPLOYEE_UNKNOWN.
const SAMPLE = [
  'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber',
  '100234,NL91ABNA0417164300,ABNANL2A,,0417164300',
  '100235,DE89370400440532013000,COBADEFFXXX,37040044,0532013000',
  '100236,GB29NWBK60161331926819,NWBKGB2L,601613,31926819',
  '100237,NL00 NOT AN IBAN,ABNANL2A,,0417164301',
  '100238,FR1420041010050500013M02606,PSSTFRPPXXX,20041,0500013M026',
  '100239,BE68539007547034,GEBABEBB,,539007547034',
  '10024X,AT611904300234573201,BKAUATWW,19043,00234573201',
  '100241,CH9300762011623852957,UBSWCHZH80A,762,11623852957',
  '100242,ES9121000418450200051332,CAIXESBB,2100,0200051332',
  '42,NL02ABNA0123456789,ABNANL2A,,0123456789',
  '100244,IT60X0542811101000000123456,BPMOIT22XXX,11101,000000123456',
  '100245,NL20INGB0001234567,INGBNL2A,,0001234567',
  '123456789,DE02120300000000202051,BYLADEM1001,12030000,0000202051',
  '100247,NL39RABO0300065264,RABONL2U,,0300065264',
  '',
].join('\n');

const flowCopy = path.join(dataDir, 'flows', 'flows.json');
if (!fs.existsSync(flowCopy)) {
  fs.mkdirSync(path.dirname(flowCopy), { recursive: true });
  // Written under a temp name and renamed: a half-copied flow file is never what Node-RED starts with.
  fs.copyFileSync(path.join(root, 'flows', 'flows.json'), `${flowCopy}.tmp`);
  fs.renameSync(`${flowCopy}.tmp`, flowCopy);
  console.log(`Demo: copied flows/flows.json to ${path.relative(process.cwd(), flowCopy)} (deploys from the editor save there)`);
}

fs.mkdirSync(inbound, { recursive: true });
if (!fs.existsSync(marker)) {
  const file = path.join(inbound, 'employee-bank-connections-sample.csv');
  // Written under a temp name and renamed, so the inbound poller never sees half a file.
  fs.writeFileSync(`${file}.tmp`, SAMPLE);
  fs.renameSync(`${file}.tmp`, file);
  fs.writeFileSync(marker, `sample placed ${new Date().toISOString()}\n`);
  console.log(`Demo: placed ${path.relative(process.cwd(), file)} (14 rows, 4 of them bad on purpose)`);
}
