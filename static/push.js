/* Turn push notifications on or off for this phone (the Notifications page only).
   The service worker's `push` handler shows them; the server sends only generic sentences. */
(function () {
  'use strict';
  var box = document.querySelector('[data-push]');
  if (!box) return;
  var status = box.querySelector('[data-push-status]');

  function say(text) { status.textContent = text; }

  function keyBytes(base64url) {
    var padded = (base64url + '===='.slice(base64url.length % 4)).replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': box.dataset.csrfToken}
    }).then(function (response) {
      if (!response.ok) throw new Error('The server said ' + response.status);
      return response.json();
    });
  }

  function turnOn() {
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      say('This browser cannot receive notifications. On an iPhone, add fieldapp to your home screen first.');
      return;
    }
    Notification.requestPermission().then(function (permission) {
      if (permission !== 'granted') throw new Error('Notifications are blocked in this browser’s settings.');
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.pushKey)});
    }).then(function (subscription) {
      return post('/account/notifications/subscriptions', subscription.toJSON());
    }).then(function () {
      say('Notifications are on for this phone.');
    }).catch(function (error) {
      say('Notifications could not be turned on: ' + error.message);
    });
  }

  function turnOff() {
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      return post('/account/notifications/subscriptions/delete', {endpoint: subscription.endpoint})
        .then(function () { return subscription.unsubscribe(); });
    }).then(function () {
      say('Notifications are off for this phone.');
    }).catch(function (error) {
      say('Notifications could not be turned off: ' + error.message);
    });
  }

  box.querySelector('[data-push-action=on]').addEventListener('click', turnOn);
  box.querySelector('[data-push-action=off]').addEventListener('click', turnOff);
}());
