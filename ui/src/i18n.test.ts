import { describe, expect, it } from "vitest";
import { LOCALES, bundleFor, setLocale, t, text } from "./i18n";

describe("i18n", () => {
  it("loads every locale from the shared Fluent files", () => {
    for (const l of LOCALES) {
      expect(bundleFor(l).hasMessage("ui-signin-title"), l).toBe(true);
    }
  });

  it("translates with arguments and switches at run time", () => {
    setLocale("en");
    expect(t("ui-service-deadline", { days: 5 })).toBe("Decision within 5 working days");
    setLocale("ru");
    expect(t("ui-signin-title")).toBe("Вход");
    setLocale("uz-Cyrl");
    expect(t("ui-signin-title")).toBe("Тизимга кириш");
    setLocale("uz-Latn");
    expect(t("ui-signin-title")).toBe("Tizimga kirish");
  });

  it("shows the key, never a blank, for a missing message", () => {
    setLocale("en");
    expect(t("no-such-key")).toBe("no-such-key");
  });

  it("picks catalog names by locale", () => {
    const name = { uz_latn: "Bepul", uz_cyrl: "Бепул", ru: "Бесплатно", en: "Free" };
    setLocale("ru");
    expect(text(name)).toBe("Бесплатно");
    setLocale("uz-Latn");
    expect(text(name)).toBe("Bepul");
  });
});
