// Assessment forms: the NDT total as the worker goes, the Journey of Change stage of each Star
// score, today's date for a new form, and the "could not be done" switch. Weights, stages and the
// previous total come from data attributes rendered from the same instrument definition the server
// scores with; the server computes the total again and its figure is the one kept.
(function () {
  'use strict';

  function fillToday(form) {
    var input = form.querySelector('input[name="assessed_on"]');
    if (input && !input.value) {
      var now = new Date();
      var pad = function (n) { return (n < 10 ? '0' : '') + n; };
      input.value = now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(now.getDate());
    }
  }

  function ndtTotal(form) {
    var box = form.querySelector('[data-assessment-total]');
    var value = box.querySelector('[data-total-value]');
    var progress = box.querySelector('[data-total-progress]');
    var sets = form.querySelectorAll('fieldset[data-weight]');
    function update() {
      // Read each time: on a blank form the phone keeps, the page writes it in from the person's
      // assessments after this starts (static/page/pending-person.js).
      var previous = form.dataset.previousTotal;
      var total = 0;
      var missing = 0;
      sets.forEach(function (set) {
        var checked = set.querySelector('input:checked');
        if (checked) { total += Number(checked.value) * Number(set.dataset.weight); } else { missing += 1; }
      });
      value.textContent = String(total);
      var text = missing ? ' so far, ' + missing + ' to go' : '';
      if (!missing && previous !== undefined && previous !== '') {
        var change = total - Number(previous);
        text += change > 0 ? ' (↑' + change + ' since last time)' :
          change < 0 ? ' (↓' + (-change) + ' since last time)' : ' (no change since last time)';
      }
      progress.textContent = text;
    }
    form.addEventListener('change', update);
    update();
  }

  function notDoneSwitch(form) {
    var scores = form.querySelector('[data-assessment-scores]');
    if (!scores) { return; }
    function update() {
      var notDone = form.querySelector('input[name="status"][value="not_done"]:checked') !== null;
      // Disabled fields are neither checked by the browser nor sent: no levels when not done.
      scores.querySelectorAll('input').forEach(function (input) { input.disabled = notDone; });
      var reason = form.querySelector('[name="not_done_reason"]');
      if (reason) { reason.required = notDone; }
    }
    form.addEventListener('change', update);
    update();
  }

  function starStages(form) {
    var stages = JSON.parse(form.dataset.stages || '[]');
    function stageOf(score) {
      for (var i = 0; i < stages.length; i += 1) {
        if (score >= stages[i].min && score <= stages[i].max) { return stages[i].label; }
      }
      return '';
    }
    form.addEventListener('change', function (event) {
      var select = event.target;
      if (!select.name || select.name.indexOf('scores.') !== 0) { return; }
      var out = form.querySelector('[data-stage-for="' + select.name.slice(7) + '"]');
      if (out) { out.textContent = select.value === '' ? '' : stageOf(Number(select.value)); }
    });
  }

  document.querySelectorAll('form[data-assessment-form]').forEach(function (form) {
    fillToday(form);
    if (form.dataset.assessmentForm === 'ndt') {
      ndtTotal(form);
      notDoneSwitch(form);
    } else {
      starStages(form);
    }
  });
})();
