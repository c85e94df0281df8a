// What the service worker shows for a push message: the PushPayload's JSON read by hand (no zod in the worker
// bundle), and the same-origin path a click opens. Used by src/service-worker.ts.
import type { PushPayload } from '@claudeops/control-plane/protocol';

export interface NotificationSpec {
  title: string;
  options: { body: string; tag?: string; data: { url: string }; icon: string; badge: string };
}

export const NOTIFICATION_ICON = '/icons/icon-192.png';
export const NOTIFICATION_BADGE = '/icons/badge-96.png';

/** A path on this origin, else the home page: a push message must not send anyone elsewhere. */
export function safeDashboardPath(url: unknown): string {
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//') || url.startsWith('/\\')) return '/';
  return url;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

/** The notification for a push message's JSON; an unreadable one still gets a generic notification. */
export function notificationFor(data: unknown): NotificationSpec {
  const payload = (typeof data === 'object' && data !== null ? data : {}) as Partial<
    Record<keyof PushPayload, unknown>
  >;
  return {
    title: text(payload.title, 200) ?? 'ClaudeOps',
    options: {
      body: text(payload.body, 1000) ?? 'Something needs your attention.',
      ...(text(payload.tag, 200) ? { tag: text(payload.tag, 200) } : {}),
      data: { url: safeDashboardPath(payload.url) },
      icon: NOTIFICATION_ICON,
      badge: NOTIFICATION_BADGE,
    },
  };
}
