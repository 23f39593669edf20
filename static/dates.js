/* fieldapp page: dates as people in the UK read them, for what the phone itself shows (queued
 * records, the offline cues, the time of a retry): "today 09:15", "yesterday 23:10",
 * "30 Nov 2026, 11:00". The same rules as the server's `uk_date` filter (fieldapp/web/dates.py),
 * in the programme's time zone (`<html data-time-zone>`, PROGRAMME_TIMEZONE), whatever zone the
 * phone is set to. `relabel` rewrites the "today"/"yesterday" of a page the phone kept
 * (`<time datetime data-relative>`): a copy rendered yesterday must not say "today".
 * Classic script, page only, before status.js; defines `FieldappDates`.
 */
(function () {
  'use strict';

  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var formatters = {};

  function zone() {
    return document.documentElement.getAttribute('data-time-zone') || 'Europe/London';
  }

  /** The calendar day and clock of a moment in the programme's zone, as numbers. */
  function parts(date) {
    var tz = zone();
    if (!formatters[tz]) {
      formatters[tz] = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric',
        hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'
      });
    }
    var out = {};
    formatters[tz].formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return {year: +out.year, month: +out.month, day: +out.day,
            hour: out.hour, minute: out.minute, second: out.second};
  }

  /** Days from calendar day `a` to `b` (each {year, month, day}), whatever the clocks did. */
  function daysBetween(a, b) {
    var ms = Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day);
    return Math.round(ms / 86400000);
  }

  function dayText(p) {
    return p.day + ' ' + MONTHS[p.month - 1] + ' ' + p.year;
  }

  /** A moment as "today 09:15", "yesterday 23:10" or "30 Nov 2026, 11:00" (`seconds`: 09:15:07). */
  function when(date, seconds) {
    var p = parts(date);
    var clock = p.hour + ':' + p.minute + (seconds ? ':' + p.second : '');
    var ago = daysBetween(p, parts(new Date()));
    if (ago === 0) return 'today ' + clock;
    if (ago === 1) return 'yesterday ' + clock;
    return dayText(p) + ', ' + clock;
  }

  /** A calendar day as "30 Nov 2026". */
  function day(date) {
    return dayText(parts(date));
  }

  /** Rewrite every `<time datetime data-relative>` under `root` against today on this phone. */
  function relabel(root) {
    (root || document).querySelectorAll('time[datetime][data-relative]').forEach(function (el) {
      var text = el.getAttribute('datetime');
      // A time with no zone is a wall-clock time where the programme works (fieldapp/web/dates.py);
      // read it in the phone's zone only when that is the programme's, else leave the server's words.
      var moment = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? new Date(text) : null;
      if (!moment && Intl.DateTimeFormat().resolvedOptions().timeZone === zone()) moment = new Date(text);
      if (moment && !isNaN(moment)) el.textContent = when(moment);
    });
  }

  window.FieldappDates = {when: when, day: day, relabel: relabel};
})();
