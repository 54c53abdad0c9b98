// Every string a person sees comes from the Fluent files in /locales, shared with Rust.
import { FluentBundle, FluentResource, type FluentVariable } from "@fluent/bundle";
import type { Locale } from "./bindings/Locale";
import type { LocalizedText } from "./bindings/LocalizedText";

const sources = import.meta.glob("../../locales/*/ariza.ftl", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

export const LOCALES: Locale[] = ["uz-Latn", "uz-Cyrl", "ru", "en"];

/// Each language named in itself, so a clerk can find their own in any current language.
export const LOCALE_NAMES: Record<Locale, string> = {
  "uz-Latn": "Oʻzbekcha",
  "uz-Cyrl": "Ўзбекча",
  ru: "Русский",
  en: "English",
};

const bundles = new Map<Locale, FluentBundle>();

export function bundleFor(locale: Locale): FluentBundle {
  let bundle = bundles.get(locale);
  if (!bundle) {
    const source = sources[`../../locales/${locale}/ariza.ftl`] ?? "";
    bundle = new FluentBundle(locale, { useIsolating: false });
    bundle.addResource(new FluentResource(source));
    bundles.set(locale, bundle);
  }
  return bundle;
}

let current: Locale = "uz-Latn";

export function setLocale(locale: Locale): void {
  current = locale;
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}

export function currentLocale(): Locale {
  return current;
}

/// The message for `key` in the current language, falling back to Uzbek Latin, then to the
/// key itself so a missing translation is visible rather than blank.
export function t(key: string, args?: Record<string, FluentVariable>): string {
  for (const locale of [current, "uz-Latn" as Locale]) {
    const bundle = bundleFor(locale);
    const message = bundle.getMessage(key);
    if (message?.value) return bundle.formatPattern(message.value, args);
  }
  return key;
}

/// A catalog or region name in the current language.
export function text(value: LocalizedText): string {
  switch (current) {
    case "uz-Cyrl":
      return value.uz_cyrl;
    case "ru":
      return value.ru;
    case "en":
      return value.en;
    default:
      return value.uz_latn;
  }
}
