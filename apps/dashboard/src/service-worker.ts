// The dashboard's service worker (registered by SvelteKit): precaches the app shell so the installed app opens
// offline, never caches the API, and shows Web Push messages as notifications that open the page they are about.
/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';
import { notificationFor, safeDashboardPath } from '$lib/push-payload';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = `claudeops-shell-${version}`;
/** The page every navigation gets offline: with ssr off, any route's HTML is the same client-side shell. */
const SHELL = '/';
const ASSETS = [...build, ...files];

function isApi(url: URL): boolean {
  return url.pathname === '/api' || url.pathname.startsWith('/api/');
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      // The shell is best effort: offline at install time, the next online navigation stores it.
      await cache.add(SHELL).catch(() => undefined);
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key !== CACHE && key.startsWith('claudeops-shell-')) await caches.delete(key);
      }
      await sw.clients.claim();
    })(),
  );
});

/** Navigations: the network first (fresh HTML, and the server's redirects), the cached shell when offline. */
async function navigate(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get('content-type')?.includes('text/html')) {
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch {
    return (await cache.match(SHELL)) ?? Response.error();
  }
}

/** Build output and static files: from the cache (versioned with this worker), else the network. */
async function asset(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: CACHE });
  return cached ?? fetch(request);
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // The API is network only: live state, and nothing of a signed-in session ends up in a cache.
  if (url.origin !== sw.location.origin || isApi(url)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});

sw.addEventListener('push', (event) => {
  let data: unknown = null;
  try {
    data = event.data?.json();
  } catch {
    data = null;
  }
  const { title, options } = notificationFor(data);
  event.waitUntil(sw.registration.showNotification(title, options));
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data: unknown = event.notification.data;
  const path = safeDashboardPath(typeof data === 'object' && data !== null ? (data as { url?: unknown }).url : '/');
  const target = new URL(path, sw.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === sw.location.origin);
      if (open) {
        const focused = await open.focus();
        await focused.navigate(target).catch(() => sw.clients.openWindow(target));
        return;
      }
      await sw.clients.openWindow(target);
    })(),
  );
});
