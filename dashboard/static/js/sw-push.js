// Imported by the Workbox-generated service worker (importScripts): what Workbox does not do.
// Shows a push as a notification, opens its page when tapped, and empties the private jobs
// cache when the page signs out.
/* global self, clients, caches */
"use strict";

self.addEventListener("push", function (event) {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: "Receptionist", body: event.data.text() };
  }
  event.waitUntil(self.registration.showNotification(data.title || "Receptionist", {
    body: data.body || "",
    tag: data.tag,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: { url: data.url || "/today/" },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  // Only a page of this site: the payload cannot send the user anywhere else.
  const url = new URL(event.notification.data.url, self.location.origin);
  const target = url.origin === self.location.origin ? url.href : self.location.origin + "/today/";
  event.waitUntil(clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (const client of windows) {
      if (client.url === target && "focus" in client) return client.focus();
    }
    return clients.openWindow(target);
  }));
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "sign-out") event.waitUntil(caches.delete("jobs"));
});
