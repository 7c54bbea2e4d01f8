// The demo's source system for `npm start`: a customers table in its own SQLite file (data/demo-source.sqlite),
// created with 20 customers on the first start; `touch(n)` changes n of them (and now and then adds one), as
// a loan or billing system would during the day. The shipped flow's "Database sync" tab calls it every
// minute (through functionGlobalContext, see settings.js) and its table-extract reads what changed.
const path = require('path');
const Database = require('better-sqlite3');

const FIRST_NAMES = ['Anna', 'Bram', 'Chloé', 'Daan', 'Emma', 'Finn', 'Greta', 'Hugo', 'Iris', 'Jules'];
const LAST_NAMES = ['de Vries', 'Jansen', 'Müller', 'Dubois', 'Rossi', 'García', 'Nowak', 'Smith', 'Peeters', 'Novák'];

function customer(number, now) {
  const first = FIRST_NAMES[number % FIRST_NAMES.length];
  const last = LAST_NAMES[Math.floor(number / FIRST_NAMES.length) % LAST_NAMES.length];
  return {
    customer_no: `C${String(number).padStart(5, '0')}`,
    name: `${first} ${last}`,
    email: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') + '@example.com',
    // Money as text with two decimals: decimals travel as text, never as a rounded float.
    credit_limit: `${(1000 + (number * 137) % 9000)}.00`,
    updated_at: now,
  };
}

function openDemoSource(dataDir) {
  require('fs').mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'demo-source.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS customers (
    customer_no TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    credit_limit TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`);
  const insert = db.prepare('INSERT OR IGNORE INTO customers (customer_no, name, email, credit_limit, updated_at) VALUES (@customer_no, @name, @email, @credit_limit, @updated_at)');
  if (db.prepare('SELECT COUNT(*) AS n FROM customers').get().n === 0) {
    const now = new Date().toISOString();
    db.transaction(() => {
      for (let number = 1; number <= 20; number += 1) insert.run(customer(number, now));
    })();
  }
  const change = db.prepare("UPDATE customers SET credit_limit = @credit_limit, updated_at = @updated_at WHERE customer_no = @customer_no");
  return {
    /** Changes `count` customers' credit limits and, one time in three, adds a customer. Returns what changed. */
    touch(count = 3) {
      const now = new Date().toISOString();
      const total = db.prepare('SELECT COUNT(*) AS n FROM customers').get().n;
      const changed = [];
      for (let i = 0; i < count; i += 1) {
        const number = 1 + Math.floor(Math.random() * total);
        const customerNo = `C${String(number).padStart(5, '0')}`;
        change.run({ customer_no: customerNo, credit_limit: `${1000 + Math.floor(Math.random() * 9000)}.00`, updated_at: now });
        changed.push(customerNo);
      }
      if (Math.random() < 1 / 3) {
        const added = customer(total + 1, now);
        insert.run(added);
        changed.push(added.customer_no);
      }
      return changed;
    },
  };
}

module.exports = { openDemoSource };
