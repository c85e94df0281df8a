// The production /api proxy: same path and query on the control plane, cookie and Origin kept, answer untouched.
import { describe, expect, it, vi } from 'vitest';
import { isApiPath, proxyToApi, upstreamUrl } from './api-proxy';

describe('api proxy', () => {
  it('only takes /api paths', () => {
    expect(['/api', '/api/v1/executions', '/apis', '/'].map(isApiPath)).toEqual([true, true, false, false]);
  });

  it('maps the request onto the API origin, keeping a base path', () => {
    const url = new URL('https://dash.example/api/v1/executions?limit=5');
    expect(upstreamUrl(url, 'https://cp.example').href).toBe('https://cp.example/api/v1/executions?limit=5');
    expect(upstreamUrl(url, 'https://edge.example/claudeops/').href).toBe(
      'https://edge.example/claudeops/api/v1/executions?limit=5',
    );
  });

  it('forwards method, body, cookie and Origin, and returns the answer as it came', async () => {
    const answer = new Response('{"expiresAt":"x"}', { status: 201, headers: { 'set-cookie': 'claudeops_session=s' } });
    const fetch = vi.fn<typeof globalThis.fetch>(async () => answer);
    const request = new Request('https://dash.example/api/v1/sessions', {
      method: 'POST',
      headers: { cookie: 'a=b', origin: 'https://dash.example', 'content-type': 'application/json' },
      body: '{"token":"coa_x"}',
    });
    const response = await proxyToApi(request, new URL(request.url), 'https://cp.example', fetch);
    expect(response).toBe(answer);
    const [target, init] = fetch.mock.calls[0] ?? [];
    expect(String(target)).toBe('https://cp.example/api/v1/sessions');
    expect(init?.method).toBe('POST');
    expect(new TextDecoder().decode(init?.body as ArrayBuffer)).toBe('{"token":"coa_x"}');
    const headers = new Headers(init?.headers);
    expect(headers.get('cookie')).toBe('a=b');
    expect(headers.get('origin')).toBe('https://dash.example');
    expect(headers.get('x-forwarded-host')).toBe('dash.example');
    expect(init?.redirect).toBe('manual');
  });
});
