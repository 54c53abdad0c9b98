import type { DeskSettings } from "../bindings/DeskSettings";
import type { Locale } from "../bindings/Locale";
import { LOCALES, LOCALE_NAMES, t } from "../i18n";

/// The language switch, available before sign-in too: a clerk may not read the default.
export function LanguagePicker(props: { settings: DeskSettings; onSettings: (s: DeskSettings) => void }) {
  return (
    <label class="language-picker">
      <span class="label">{t("ui-settings-language")}</span>
      <select
        id="language"
        value={props.settings.locale}
        onChange={(e) => props.onSettings({ ...props.settings, locale: (e.target as HTMLSelectElement).value as Locale })}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
