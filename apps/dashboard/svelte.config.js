// SvelteKit config for the ClaudeOps dashboard: runes everywhere, built for Cloudflare Pages by adapter-cloudflare.
import { fileURLToPath } from 'node:url';
import adapter from '@sveltejs/adapter-cloudflare';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// The dashboard's own Pages config; without it the adapter would find the control plane's wrangler.toml above us.
const wranglerConfig = fileURLToPath(new URL('./wrangler.toml', import.meta.url));
const cloudflare = adapter({ config: wranglerConfig, platformProxy: { configPath: wranglerConfig } });

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // The dashboard reads no Cloudflare bindings, so `vite dev` skips the emulated platform (a second workerd).
    adapter: { ...cloudflare, emulate: undefined },
    // Root-relative asset URLs: the service worker serves one cached shell for every route offline, which only
    // works when the shell's `./_app/...` links do not depend on the page's depth.
    paths: { relative: false },
  },
};
