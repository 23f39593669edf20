// The anchor's phone: PouchDB 9 in Node (memory adapter) replicating to the express-pouchdb server
// at argv[2] (through bench/wire.py's measuring proxy). Reads commands on stdin, one JSON per line:
//   {"push": [doc, ...]}  put the docs locally, then one one-shot replication to the server;
// and answers each with one JSON line {"ok", "ms", "docs_written"} once the replication is done.
'use strict';
const readline = require('readline');
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const local = new PouchDB('phone', {adapter: 'memory'});
const remote = new PouchDB(process.argv[2]);

const lines = readline.createInterface({input: process.stdin});
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const command = JSON.parse(line);
    await local.bulkDocs(command.push);
    const started = process.hrtime.bigint();
    let result;
    try {
      const info = await PouchDB.replicate(local, remote);
      result = {ok: info.ok, docs_written: info.docs_written};
    } catch (error) {
      result = {ok: false, error: String(error && (error.message || error))};
    }
    result.ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(JSON.stringify(result) + '\n');
  });
});
lines.on('close', () => queue.then(() => process.exit(0)));
