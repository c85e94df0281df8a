// Claude's Markdown (assistant text, result text) as safe HTML. Two layers: the renderer never emits raw HTML (it is
// shown as text), unsafe link schemes or remote images, and DOMPurify then sanitises what marked produced (in the
// browser; Node has no DOM, so the unit tests cover the first layer). Used by the markdown component.
import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** http(s), mailto and same-site links only: no javascript:, data: or vbscript: URLs. */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith('//')) return null;
  // Control characters and whitespace inside a scheme ("java\tscript:") are how filters get fooled.
  return [...trimmed].some((char) => char.charCodeAt(0) < 0x20) ? null : trimmed;
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      const safe = safeHref(href);
      if (safe === null) return label;
      const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(safe)}"${titleAttr} target="_blank" rel="noopener noreferrer nofollow">${label}</a>`;
    },
    // Remote images would load from wherever the model pointed; show them as links instead.
    image({ href, text }: Tokens.Image) {
      const safe = safeHref(href);
      if (safe === null) return escapeHtml(text);
      return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer nofollow">${escapeHtml(text || safe)}</a>`;
    },
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? '').match(/^[\w+-]+/)?.[0] ?? '';
      const cls = language ? ` class="language-${escapeHtml(language)}"` : '';
      return `<pre><code${cls}>${escapeHtml(text)}</code></pre>\n`;
    },
  },
});

/** Markdown → HTML with no raw HTML, unsafe URLs or images; not yet DOM-sanitised. */
export function renderMarkdownUnsanitised(text: string): string {
  return marked.parse(text, { async: false });
}

let hooked = false;

/** Markdown → sanitised HTML, ready for {@html}. Links open in a new tab with rel=noopener. */
export function renderMarkdown(text: string): string {
  const html = renderMarkdownUnsanitised(text);
  if (typeof DOMPurify.sanitize !== 'function') return html;
  if (!hooked) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
    hooked = true;
  }
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'img', 'form', 'input'] });
}

const cache = new Map<string, string>();
const CACHE_SIZE = 500;

/** renderMarkdown, remembered for the last few hundred texts: a virtual list re-mounts rows as they scroll by. */
export function renderMarkdownCached(text: string): string {
  let html = cache.get(text);
  if (html === undefined) {
    html = renderMarkdown(text);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(text, html);
  }
  return html;
}
