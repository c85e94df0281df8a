// The colour theme a person picked (system, light or dark), kept in localStorage and applied as `data-theme` on
// <html>; app.css reads it. Used by the layout and the theme toggle.

export const THEME_STORAGE_KEY = 'claudeops-theme';
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

/** What was stored, or `system` for anything else (nothing yet, an old or hand-edited value). */
export function parseTheme(stored: string | null | undefined): ThemeChoice {
  return THEME_CHOICES.find((choice) => choice === stored) ?? 'system';
}

/** The theme actually shown: a choice of light or dark wins over the system's preference. */
export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): 'light' | 'dark' {
  if (choice === 'system') return systemPrefersDark ? 'dark' : 'light';
  return choice;
}

/** Sets `data-theme` for an explicit choice and removes it for `system`, so the media query decides. */
export function applyTheme(choice: ThemeChoice, root: { dataset: DOMStringMap }): void {
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

/** Reads the stored choice; storage can be unavailable (private modes, blocked cookies). */
export function loadTheme(storage: Pick<Storage, 'getItem'> | undefined): ThemeChoice {
  try {
    return parseTheme(storage?.getItem(THEME_STORAGE_KEY));
  } catch {
    return 'system';
  }
}

export function saveTheme(choice: ThemeChoice, storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined): void {
  try {
    if (choice === 'system') storage?.removeItem(THEME_STORAGE_KEY);
    else storage?.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Not remembered across reloads, still applied now.
  }
}
