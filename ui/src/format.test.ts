import { afterEach, describe, expect, it } from "vitest";
import type { Locale } from "./bindings/Locale";
import { dateInvalidMessage, datePlaceholder, dateSeparator, formatDate, formatUzs, parseDate, readDate, tashkentTime } from "./format";
import { LOCALES, setLocale } from "./i18n";

const SHOWN: Record<Locale, string> = { "uz-Latn": "12.05.1990", "uz-Cyrl": "12.05.1990", ru: "12.05.1990", en: "12/05/1990" };
const PLACEHOLDER: Record<Locale, string> = { "uz-Latn": "kk.oo.yyyy", "uz-Cyrl": "кк.оо.йййй", ru: "дд.мм.гггг", en: "dd/mm/yyyy" };

afterEach(() => setLocale("uz-Latn"));

describe("sums and times", () => {
  it("groups thousands", () => {
    expect(formatUzs(123600)).toBe("123\u00a0600");
    expect(formatUzs(0)).toBe("0");
  });

  it("shows Tashkent time, with the date in the locale's order", () => {
    expect(tashkentTime("2026-11-21T19:30:00.000Z")).toBe("00:30");
    expect(tashkentTime("2026-11-21T19:30:00.000Z", true, "uz-Latn")).toBe("22.11.2026 00:30");
    expect(tashkentTime("2026-11-21T19:30:00.000Z", true, "en")).toBe("22/11/2026 00:30");
  });
});

describe("dates in every locale", () => {
  for (const locale of LOCALES) {
    describe(locale, () => {
      it("shows an ISO date day first", () => {
        expect(formatDate("1990-05-12", locale)).toBe(SHOWN[locale]);
      });

      it("reads back what it shows, and the digits alone", () => {
        expect(parseDate(SHOWN[locale])).toBe("1990-05-12");
        expect(parseDate("12051990")).toBe("1990-05-12");
        expect(parseDate(" 1.5.1990 ")).toBe("1990-05-01");
        expect(parseDate(formatDate("2024-02-29", locale))).toBe("2024-02-29");
      });

      it("refuses a date that does not exist", () => {
        expect(parseDate(`31${dateSeparator(locale)}02${dateSeparator(locale)}2024`)).toBeNull();
        expect(parseDate(formatDate("2023-02-29", locale))).toBeNull();
        expect(parseDate(formatDate("2026-04-31", locale))).toBeNull();
        expect(parseDate(formatDate("2026-13-01", locale))).toBeNull();
        expect(parseDate(formatDate("2026-00-10", locale))).toBeNull();
      });

      it("has a placeholder in its own words that uses its separator", () => {
        setLocale(locale);
        expect(datePlaceholder()).toBe(PLACEHOLDER[locale]);
        expect(datePlaceholder().split(dateSeparator(locale))).toHaveLength(3);
        const message = dateInvalidMessage();
        expect(message).toContain(PLACEHOLDER[locale]);
        expect(message).toContain(formatDate("2026-01-31", locale));
      });
    });
  }

  it("refuses what is not a whole date", () => {
    for (const typed of ["", "12.05", "12.05.90", "12-05", "1990", "120590", "aa.bb.cccc", "12.05.1990x", "32.01.2026", "01.01.0999"]) {
      expect(parseDate(typed), typed).toBeNull();
    }
  });

  it("takes an ISO date as it is typed too, and checks it", () => {
    expect(parseDate("1990-05-12")).toBe("1990-05-12");
    expect(parseDate("2024-02-31")).toBeNull();
  });

  it("shows what is not an ISO date unchanged rather than hiding it", () => {
    expect(formatDate("soon", "ru")).toBe("soon");
    expect(formatDate("", "ru")).toBe("");
  });

  it("tells an empty field from one that holds no date", () => {
    expect(readDate("  ")).toEqual({ iso: null, invalid: false });
    expect(readDate("12.05.1990")).toEqual({ iso: "1990-05-12", invalid: false });
    expect(readDate("31.02.2024")).toEqual({ iso: null, invalid: true });
  });
});
