import type { DeskSettings } from "../bindings/DeskSettings";
import type { FontSize } from "../bindings/FontSize";
import type { Theme } from "../bindings/Theme";
import { t } from "../i18n";
import { Enrollment } from "./enrollment";
import { LanguagePicker } from "./language-picker";

export function Settings(props: { settings: DeskSettings; onSettings: (s: DeskSettings) => void; database: string; admin: boolean }) {
  const s = props.settings;
  const radios = <T extends string>(name: string, current: T, options: [T, string][], set: (v: T) => void) => (
    <div class="radios" role="radiogroup">
      {options.map(([value, key]) => (
        <label key={value} class="radio">
          <input type="radio" name={name} id={`${name}-${value}`} checked={current === value} onChange={() => set(value)} />
          {t(key)}
        </label>
      ))}
    </div>
  );
  return (
    <section class="card" id="settings">
      <h1>{t("ui-settings-title")}</h1>
      <LanguagePicker settings={s} onSettings={props.onSettings} />
      <fieldset>
        <legend>{t("ui-settings-font-size")}</legend>
        {radios<FontSize>("font", s.font_size, [["normal", "ui-font-normal"], ["large", "ui-font-large"], ["larger", "ui-font-larger"]], (v) =>
          props.onSettings({ ...s, font_size: v }),
        )}
      </fieldset>
      <fieldset>
        <legend>{t("ui-settings-theme")}</legend>
        {radios<Theme>("theme", s.theme, [["light", "ui-theme-light"], ["dark", "ui-theme-dark"], ["contrast", "ui-theme-contrast"]], (v) =>
          props.onSettings({ ...s, theme: v }),
        )}
      </fieldset>
      <fieldset>
        <legend>{t("ui-idle-minutes")}</legend>
        <input
          id="idle-minutes"
          type="number"
          min={1}
          max={120}
          value={s.idle_lock_minutes}
          onChange={(e) => {
            const v = Number((e.target as HTMLInputElement).value);
            if (v >= 1 && v <= 120) props.onSettings({ ...s, idle_lock_minutes: v });
          }}
        />
      </fieldset>
      <p class="muted small mono">{props.database}</p>
      {props.admin && <Enrollment />}
    </section>
  );
}
