// The anchor's server: express-pouchdb (CouchDB's REST interface over PouchDB) with PouchDB 9
// in memory, on 127.0.0.1:<port> (argv[2]). Started by bench/wire.py; prints "listening" when up.
'use strict';
const express = require('express');
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-mapreduce'))
  .plugin(require('pouchdb-replication'));

const MemoryPouch = PouchDB.defaults({adapter: 'memory'});
const app = express();
// Only the CouchDB API a replication uses: no admin UI, no config files written to disk.
app.use('/', require('express-pouchdb')(MemoryPouch, {mode: 'minimumForPouchDB', inMemoryConfig: true}));
const server = app.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
