// Pure helpers for Web Push opt-in on the settings page: the VAPID key's base64url to bytes, the device's state
// (unsupported, blocked, off, on), the body POSTed for a subscription, and which API errors mean "not offered here".
import type { PushSubscriptionBody, PushTopic } from '@claudeops/control-plane/protocol';

export const TOPIC_LABELS: Record<PushTopic, { title: string; hint: string }> = {
  approval: { title: 'Approval needed', hint: 'A tool call waits for your answer.' },
  finished: { title: 'Execution finished', hint: 'An execution succeeded.' },
  failed: { title: 'Execution failed', hint: 'An execution failed, was cancelled or was lost.' },
  budget: { title: 'Budget alerts', hint: 'A soft or hard budget limit was crossed.' },
  attention: { title: 'Needs you', hint: 'An execution paused at a breakpoint or budget, or waits for your review.' },
};

/** base64url (padding optional) → bytes, as `applicationServerKey` wants them. Throws on characters outside it. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const trimmed = text.trim().replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(trimmed) || trimmed.length % 4 === 1) throw new Error('not base64url');
  const base64 = trimmed.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** bytes → base64url without padding. */
export function bytesToBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Whether a subscription was made with this server key (a rotated VAPID key needs a fresh subscription). */
export function sameServerKey(subscriptionKey: ArrayBuffer | null | undefined, publicKey: string): boolean {
  if (!subscriptionKey) return true; // browsers that do not expose the key: assume it matches
  return bytesToBase64Url(subscriptionKey) === publicKey.replace(/=+$/, '');
}

export type PushState = 'unsupported' | 'unavailable' | 'blocked' | 'off' | 'on';

export interface PushEnvironment {
  /** Service workers, PushManager and Notification all exist (iOS: only once installed to the home screen). */
  supported: boolean;
  /** The server answered /push/vapid; false when it has no Web Push (404/501). */
  serverAvailable: boolean;
  permission: NotificationPermission;
  /** This browser holds a push subscription and the server knows its endpoint. */
  subscribed: boolean;
}

export function pushState(env: PushEnvironment): PushState {
  if (!env.supported) return 'unsupported';
  if (!env.serverAvailable) return 'unavailable';
  if (env.permission === 'denied') return 'blocked';
  return env.permission === 'granted' && env.subscribed ? 'on' : 'off';
}

export const STATE_TEXT: Record<PushState, string> = {
  unsupported:
    'This browser cannot receive push notifications. On iPhone and iPad, add ClaudeOps to the home screen first, then open it from there.',
  unavailable: 'The control plane does not offer push notifications (no VAPID key is configured).',
  blocked: 'Notifications are blocked for this site. Allow them in the browser’s site settings, then come back.',
  off: 'Notifications are off on this device.',
  on: 'Notifications are on for this device.',
};

/** What feature detection looks at; a parameter so tests need no browser. */
export function pushSupported(scope: { navigator?: object; PushManager?: unknown; Notification?: unknown }): boolean {
  return (
    !!scope.navigator &&
    'serviceWorker' in scope.navigator &&
    scope.PushManager !== undefined &&
    scope.Notification !== undefined
  );
}

/** HTTP statuses that mean the server has no Web Push at all, rather than a failure worth retrying. */
export function isPushUnavailableStatus(status: number): boolean {
  return status === 404 || status === 501;
}

/** The POST body from a browser subscription's toJSON(); null when it lacks the keys (should not happen). */
export function subscriptionBody(
  json: PushSubscriptionJSON,
  topics: readonly PushTopic[],
): PushSubscriptionBody | null {
  const { endpoint, keys } = json;
  if (!endpoint || !keys?.p256dh || !keys.auth || topics.length === 0) return null;
  return {
    endpoint,
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: keys.p256dh, auth: keys.auth },
    topics: [...topics],
  };
}
