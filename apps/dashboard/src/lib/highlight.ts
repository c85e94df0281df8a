// Syntax highlighting, loaded only when a diff or a code block needs it: highlight.js core with a handful of
// languages, kept out of the execution page's first load. Used by the diff view and the markdown component.
import type { HLJSApi } from 'highlight.js';

let loading: Promise<HLJSApi> | null = null;

export function loadHighlighter(): Promise<HLJSApi> {
  loading ??= (async () => {
    const [core, javascript, typescript, json, css, xml, python, go, rust, bash, markdown, diff] = await Promise.all([
      import('highlight.js/lib/core'),
      import('highlight.js/lib/languages/javascript'),
      import('highlight.js/lib/languages/typescript'),
      import('highlight.js/lib/languages/json'),
      import('highlight.js/lib/languages/css'),
      import('highlight.js/lib/languages/xml'),
      import('highlight.js/lib/languages/python'),
      import('highlight.js/lib/languages/go'),
      import('highlight.js/lib/languages/rust'),
      import('highlight.js/lib/languages/bash'),
      import('highlight.js/lib/languages/markdown'),
      import('highlight.js/lib/languages/diff'),
    ]);
    const hljs = core.default;
    const languages = { javascript, typescript, json, css, xml, python, go, rust, bash, markdown, diff };
    for (const [name, module] of Object.entries(languages)) hljs.registerLanguage(name, module.default);
    hljs.registerAliases(['js', 'jsx', 'mjs'], { languageName: 'javascript' });
    hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
    hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
    hljs.registerAliases(['html', 'svelte', 'svg'], { languageName: 'xml' });
    hljs.registerAliases(['py'], { languageName: 'python' });
    hljs.registerAliases(['rs'], { languageName: 'rust' });
    hljs.registerAliases(['md'], { languageName: 'markdown' });
    return hljs;
  })();
  return loading;
}

/** Highlighted HTML of one line or block, or null when the language is not registered (shown plain). */
export function highlightCode(hljs: HLJSApi, code: string, language: string | null): string | null {
  if (!language || !hljs.getLanguage(language)) return null;
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
