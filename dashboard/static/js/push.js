// Push notifications on this device: subscribes with the server's VAPID key, sends the
// subscription and the chosen events to the dashboard, or unsubscribes.
(function () {
  "use strict";
  const root = document.getElementById("push");
  const status = document.getElementById("push-status");
  const on = document.getElementById("push-subscribe");
  const off = document.getElementById("push-unsubscribe");

  function keyBytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - base64url.length % 4) % 4));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body),
    });
  }

  function chosen() {
    return Array.from(root.querySelectorAll("input[name=event]:checked"), function (box) { return box.value; });
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !root.dataset.publicKey) {
    status.textContent = "This browser cannot receive push notifications here.";
    on.disabled = true;
    return;
  }

  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    if (subscription) {
      off.hidden = false;
      on.textContent = "Save choices for this device";
      status.textContent = "This device gets push notifications.";
    }
  });

  on.addEventListener("click", async function () {
    status.textContent = "Asking permission…";
    try {
      if (await Notification.requestPermission() !== "granted") {
        status.textContent = "Notifications are blocked for this site in the browser's settings.";
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription() ||
        await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(root.dataset.publicKey) });
      const response = await post(root.dataset.subscribeUrl, Object.assign(subscription.toJSON(), { events: chosen() }));
      if (!response.ok) throw new Error((await response.json()).error || response.statusText);
      location.reload();
    } catch (error) {
      status.textContent = "Could not turn on notifications: " + error.message;
    }
  });

  off.addEventListener("click", async function () {
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      await post(root.dataset.unsubscribeUrl, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    location.reload();
  });
})();
