// Builds dashboard/static/sw.js with Workbox (`npm run build:sw`, run by `make static`).
// Static files are precached under the same `?v=<md5>` URLs the pages use
// (dashboard/pwa/static_versions.py), so an update never mixes old and new files. Pages go
// to the network; only today's jobs (/today/) are kept for reading offline; anything else
// that cannot be reached gets the precached offline page.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { generateSW } from "workbox-build";

const STATIC = "dashboard/static";
const md5 = (...files) => {
  const hash = createHash("md5");
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest("hex");
};

const { count, size, warnings } = await generateSW({
  swDest: `${STATIC}/sw.js`,
  globDirectory: STATIC,
  globPatterns: ["css/*.css", "js/*.js", "icons/*.png", "vendor/*.js"],
  globIgnores: ["sw.js"],
  globFollow: true,
  maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
  // Workbox's revision is the file's MD5: the URL carries it instead, like the pages' URLs.
  manifestTransforms: [async (entries) => ({
    manifest: entries.map((entry) => ({ url: `/static/${entry.url}?v=${entry.revision}`, revision: null })),
    warnings: [],
  })],
  // The offline page is rendered from these; any change is a new revision.
  additionalManifestEntries: [{
    url: "/offline",
    revision: md5("dashboard/pwa/templates/pwa/offline.html", "dashboard/templates/base.html", `${STATIC}/css/app.css`),
  }],
  importScripts: [`/static/js/sw-push.js?v=${md5(`${STATIC}/js/sw-push.js`)}`],
  inlineWorkboxRuntime: true,
  sourcemap: false,
  mode: "production",
  clientsClaim: true,
  cleanupOutdatedCaches: true,
  runtimeCaching: [
    {
      // Today's and tomorrow's jobs, readable offline by design; refreshed on every visit
      // while online, emptied at sign-out (static/js/pwa.js, Clear-Site-Data).
      urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname === "/today/",
      handler: "NetworkFirst",
      options: {
        cacheName: "jobs",
        networkTimeoutSeconds: 4,
        matchOptions: { ignoreVary: true, ignoreSearch: true },
        // A visit whose session ended is redirected to the sign-in form: that is never stored
        // as the jobs, and the jobs kept from before are dropped.
        plugins: [{
          cacheWillUpdate: async ({ request, response }) => {
            if (response && response.status === 200 && !response.redirected) return response;
            if (response && response.redirected) await (await caches.open("jobs")).delete(request, { ignoreSearch: true });
            return null;
          },
        }],
        precacheFallback: { fallbackURL: "/offline" },
      },
    },
    {
      // Every other page holds private data: never stored, the offline page when unreachable.
      urlPattern: ({ request }) => request.mode === "navigate",
      handler: "NetworkOnly",
      options: { precacheFallback: { fallbackURL: "/offline" } },
    },
  ],
});
for (const warning of warnings) console.warn(warning);
console.log(`sw.js: ${count} files precached, ${Math.round(size / 1024)} KiB`);
