// The installed app's page side: registers the service worker (/sw.js, built by Workbox),
// keeps today's jobs fresh in its cache while online, empties that cache before signing
// out, and reloads the offline page once the connection is back.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const JOBS_CACHE = "jobs";  // the one private cache: runtimeCaching in dashboard/pwa/build_sw.mjs
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (error) {
    console.warn("service worker not registered:", error);
  });

  const signOut = document.getElementById("sign-out");
  function refreshJobs() {
    // Only for a signed-in user, through the worker, which stores the answer (NetworkFirst).
    if (signOut && navigator.onLine && navigator.serviceWorker.controller && location.pathname !== "/today/") {
      fetch("/today/", { credentials: "same-origin" }).catch(function () {});
    }
  }
  window.addEventListener("load", refreshJobs);
  window.addEventListener("online", refreshJobs);

  if (signOut) {
    signOut.addEventListener("submit", function (event) {
      event.preventDefault();
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "sign-out" });
      // The sign-out response also sends Clear-Site-Data; this covers browsers that ignore it.
      const cleared = window.caches ? caches.delete(JOBS_CACHE) : Promise.resolve();
      cleared.catch(function () {}).then(function () { signOut.submit(); });
    });
  }

  if (document.querySelector(".offline")) {
    window.addEventListener("online", function () { location.reload(); });
  }
})();
