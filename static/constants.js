/* fieldapp constants: the values the page scripts and the service worker share, each named once.
 *
 * A classic script loaded first, by the page (<script>, templates/base.html) and by the service
 * worker (importScripts, static/sw.js); it defines the frozen global `FieldappConstants`. Values
 * marked "server" mirror something the server decides: tests/test_page_constants.py checks each
 * against fieldapp's own setting, so a change on one side that forgets the other fails the suite.
 * What the service worker precaches and which paths it caches are not here: fieldapp/web/shell.py
 * writes those into /sw.js as it serves it.
 */
(function (root) {
  'use strict';

  root.FieldappConstants = Object.freeze({
    // ---- the sync endpoint (server) ----
    SYNC_URL: '/api/sync',
    SYNC_PROTOCOL: 1,             // sync.PROTOCOL
    SYNC_HEADER: 'X-Fieldapp-Sync',  // required on every sync request (cross-site defence)
    HANDOVER_URL: '/api/handover',   // a revoked phone's unsent records (static/handover.js)
    WIPED_URL: '/wiped',             // where a wiped phone's pages go
    // Mutations per request: the server's default SYNC_MAX_MUTATIONS. A 413 teaches a smaller one.
    BATCH_MAX: 250,
    // A page fetched by the background refresh: not a view for the audit trail.
    REFRESH_HEADER: 'X-Fieldapp-Refresh',
    // Whose casework page an answer is (server: fieldapp/web/wire.py USER_HEADER): kept only
    // among that worker's copies (static/cached-pages.js).
    USER_HEADER: 'X-Fieldapp-User',
    // A page about someone kept off phones (closed long ago): the worker keeps no copy of it.
    NO_PHONE_COPY_HEADER: 'X-Fieldapp-No-Phone-Copy',
    // Every page's render time (templates/base.html), read for "Offline copy from …".
    RENDERED_AT_META: 'fieldapp-rendered-at',

    // ---- timings (a test may shorten the two defaults with FieldappOutbox.configure) ----
    SYNC_TIMEOUT_MS: 20000,  // one sync request with no whole answer by then has failed (stalled)
    WAIT_TIMER_MS: 30000,    // retry while records wait after a good answer
    AWAIT_SENT_MS: 10000,    // "I need help": how long the page waits to say whether the server has it
    SIGNING_IN_MS: 120000,   // a password sign-in under way: the worker's lock screen steps aside

    // ---- caches and names shared by page and worker ----
    CACHE_PREFIX: 'fieldapp-',          // every cache of ours: deleted at logout and when revoked
    SHELL_CACHE_PREFIX: 'fieldapp-shell-',  // + the shell version; older ones go at activate
    PAGES_CACHE: 'fieldapp-pages',      // this phone's copies of casework pages, across versions
    AWAY_CACHE_PREFIX: 'fieldapp-away-',  // + a user id: a worker's copies while another uses the phone
    VAULT_DB: 'fieldapp-vault',         // the PIN lock's keys (static/vault.js)
    SYNC_TAG: 'fieldapp-outbox',        // the Background Sync registration
    // The worker marks a page it serves from its cache with this meta element, and an htmx
    // partial it answers with a cached full page with this header.
    OFFLINE_COPY_META: 'fieldapp-offline-copy',
    OFFLINE_COPY_HEADER: 'X-Fieldapp-Offline-Copy',
    // sessionStorage flag: a casework form was saved, show "Saved" on the page it leads to.
    SAVED_FLAG: 'fieldapp-saved'
  });
})(typeof self !== 'undefined' ? self : this);
