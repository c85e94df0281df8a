// Vite config for the dashboard. In dev, /api (WebSockets included) goes to the control plane, so the browser
// only ever talks to one origin and its session cookie needs no CORS.
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type ProxyOptions } from 'vite';

const controlPlane = process.env.CLAUDEOPS_API_URL ?? 'http://127.0.0.1:8787';
// Webhook endpoints and MCP too, so the endpoint URL a webhook page shows works on this origin.
const apiProxy: Record<string, ProxyOptions> = {
  '/api': { target: controlPlane, ws: true },
  '/hooks': { target: controlPlane },
  '/mcp': { target: controlPlane },
};

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: apiProxy },
  preview: { proxy: apiProxy },
});
