/* fieldapp send: one sync request on the wire, as few bytes as the phone can make it.
 *
 * A classic script loaded after static/constants.js and before static/flush.js, by the page
 * (<script>) and by the service worker (importScripts); defines the global `FieldappSend`, which
 * static/flush.js uses for every POST /api/sync.
 *
 * Owns: encoding the body (gzip through the browser's own CompressionStream, with
 * `Content-Encoding: gzip`, which the sync endpoint accepts; plain JSON where a browser lacks
 * CompressionStream, or for a body so small that gzip would only add its header), the timeout of
 * one request, reading the server's `Retry-After` on a 503 or 429 into a wait with jitter, and
 * the phone's own backoff between failed tries (`backoff`, for the page's triggers and the lock
 * screen's).
 * What an answer means is static/flush.js's business.
 */
(function (root) {
  'use strict';

  var C = root.FieldappConstants;
  // Below this many characters gzip's own 18-byte frame costs more than it saves (a pull with
  // nothing to send is about 90).
  var GZIP_FROM_CHARS = 150;
  // The longest a server's Retry-After may hold the phone back, whatever it says: a misconfigured
  // proxy must not silence a phone for a day.
  var RETRY_AFTER_MAX_MS = 10 * 60 * 1000;

  /** True where this browser can gzip a request body itself (Chrome 80+, Safari 16.4+). */
  function canGzip() {
    return typeof root.CompressionStream === 'function' && typeof root.Response === 'function' &&
      typeof root.Blob === 'function';
  }

  /**
   * The request body and its headers for `text` (JSON): gzipped, with `Content-Encoding: gzip`,
   * where the browser can and the body is worth it; else the text as it is. Resolves
   * {body, headers}. A failure to compress falls back to plain JSON: a record is never held back
   * by an encoding.
   */
  function encode(text) {
    var headers = {'Content-Type': 'application/json'};
    headers[C.SYNC_HEADER] = '1';
    if (!canGzip() || text.length < GZIP_FROM_CHARS) return Promise.resolve({body: text, headers: headers});
    var stream = new root.Blob([text]).stream().pipeThrough(new root.CompressionStream('gzip'));
    return new root.Response(stream).arrayBuffer().then(function (gzipped) {
      headers['Content-Encoding'] = 'gzip';
      return {body: gzipped, headers: headers};
    }, function () {
      return {body: text, headers: headers};
    });
  }

  /**
   * How long the server asks the phone to wait, from a 503 or 429 answer's `Retry-After` (seconds,
   * or an HTTP date), in ms: stretched by a random 1 to 1.5 so that phones turned away together
   * do not all come back in the same second, and capped at RETRY_AFTER_MAX_MS. Null when the
   * answer asks for nothing (another status, no or a bad header): the caller's own backoff applies.
   */
  function retryAfterMs(status, header) {
    if ((status !== 503 && status !== 429) || !header) return null;
    var seconds = /^\s*\d+\s*$/.test(header) ? parseInt(header, 10)
      : (Date.parse(header) - Date.now()) / 1000;
    if (!isFinite(seconds) || seconds < 0) return null;
    return Math.round(Math.min(RETRY_AFTER_MAX_MS, seconds * 1000 * (1 + Math.random() * 0.5)));
  }

  /** How long to wait after `failures` failed attempts in a row: 2 s doubling to 5 min, with
   * jitter so that phones coming back at once do not all retry together. */
  function backoff(failures) {
    var base = Math.min(300000, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  /** POST one sync request (`body`, an object). Resolves {status, data, retryAfterMs}; rejects on a
   * network failure, or with `.timeout` when no whole answer came within `timeoutMs` (a stalled or
   * trickling link). */
  function post(body, timeoutMs) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; if (controller) controller.abort(); }, timeoutMs);
    return encode(JSON.stringify(body)).then(function (encoded) {
      return fetch(C.SYNC_URL, {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: encoded.headers,
        body: encoded.body,
        signal: controller ? controller.signal : undefined
      });
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        var type = resp.headers.get('Content-Type') || '';
        if (type.indexOf('json') !== -1) {
          try { data = JSON.parse(text); } catch (e) { data = null; }
        }
        return {status: resp.status, data: data,
                retryAfterMs: retryAfterMs(resp.status, resp.headers.get('Retry-After'))};
      });
    }).catch(function (error) {
      var e = new Error(timedOut ? 'timeout' : 'network');
      e.timeout = timedOut;
      e.cause = error;
      throw e;
    }).finally(function () { clearTimeout(timer); });
  }

  root.FieldappSend = {canGzip: canGzip, encode: encode, retryAfterMs: retryAfterMs, backoff: backoff, post: post};
})(typeof self !== 'undefined' ? self : this);
