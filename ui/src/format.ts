// How values are written for a person, shared by every screen: sums, fees, times, dates,
// statuses and service names. Dates are read here too, so that what is typed and what is shown
// follow the same rule.
import type { Catalog } from "./bindings/Catalog";
import type { Locale } from "./bindings/Locale";
import type { Status } from "./bindings/Status";
import { currentLocale, t, text } from "./i18n";

/// Sums with grouped thousands, the way receipts print them: 123 600.
export function formatUzs(amount: number): string {
  return String(Math.trunc(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
}

/// A fee as shown everywhere: "Toʻlov: 123 600 soʻm", or "Bepul" when there is none.
export function feeLabel(amount: number): string {
  return amount > 0 ? t("ui-service-fee", { fee: formatUzs(amount) }) : t("ui-service-free");
}

/// An amount alone, for a labelled row: "123 600 soʻm", or "Bepul".
export function amountLabel(amount: number): string {
  return amount > 0 ? t("ui-amount-uzs", { fee: formatUzs(amount) }) : t("ui-service-free");
}

/// A size for people: "2.4 MB", "310 KB" (decimal units, as file managers show them).
export function byteSize(bytes: number): string {
  if (bytes >= 1_000_000) return t("ui-size-mb", { size: (bytes / 1_000_000).toFixed(1) });
  return t("ui-size-kb", { size: Math.ceil(bytes / 1000) });
}

/// A UTC timestamp shown in Tashkent time (UTC+5, no daylight saving), with its date in the
/// locale's order when asked.
export function tashkentTime(iso: string, withDate = false, locale: Locale = currentLocale()): string {
  const d = new Date(new Date(iso).getTime() + 5 * 3600 * 1000);
  const hm = d.toISOString().slice(11, 16);
  return withDate ? `${formatDate(d.toISOString().slice(0, 10), locale)} ${hm}` : hm;
}

export function statusLabel(s: Status): string {
  return t(`status-${s.replace("_", "-")}`);
}

/// A service by its name in the current language; its code when the catalog does not know it.
export function serviceName(catalog: Catalog | null, code: string): string {
  const s = catalog?.services.find((x) => x.code === code);
  return s ? text(s.name) : code;
}

// Dates. Every locale writes the day first, then the month, then the year in four digits:
// dd.mm.yyyy in Uzbek (both scripts) and Russian, as their documents do. English uses
// dd/mm/yyyy, as Intl's en-GB does: the digits are typed in the same order in every language
// (a clerk switching language does not have to relearn the field), and the slash tells an
// English reader it is the British day-first order, not the American one.
const SEPARATOR: Record<Locale, string> = { "uz-Latn": ".", "uz-Cyrl": ".", ru: ".", en: "/" };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/// The separator the locale writes dates with (its placeholder in the Fluent files uses it too).
export function dateSeparator(locale: Locale = currentLocale()): string {
  return SEPARATOR[locale];
}

/// An ISO date (YYYY-MM-DD) in the locale's order: 31.01.2026, or 31/01/2026 in English.
/// Anything that is not an ISO date is shown as it is, never hidden.
export function formatDate(iso: string, locale: Locale = currentLocale()): string {
  const m = ISO_DATE.exec(iso);
  if (!m) return iso;
  const sep = SEPARATOR[locale];
  return `${m[3]}${sep}${m[2]}${sep}${m[1]}`;
}

function isoIfReal(year: number, month: number, day: number): string | null {
  if (year < 1000 || month < 1 || month > 12 || day < 1) return null;
  // Day 0 of the next month is the last day of this one; UTC keeps time zones out of it.
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > last) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/// A typed date as ISO, or null when it is not a real date (31.02.2024) or not a date at all.
/// Takes the day, month and four-digit year in the locale's order with any of the separators
/// people type (. / - or a space), or just the eight digits (12051990); an ISO date is taken
/// too, since its four-digit year first cannot be mistaken for a day.
/// Every locale is day-first (see SEPARATOR), so reading does not depend on the locale.
export function parseDate(typed: string): string | null {
  const s = typed.trim();
  const iso = ISO_DATE.exec(s);
  if (iso) return isoIfReal(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const parts = /^(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{4})$/.exec(s) ?? /^(\d{2})(\d{2})(\d{4})$/.exec(s);
  if (!parts) return null;
  return isoIfReal(Number(parts[3]), Number(parts[2]), Number(parts[1]));
}

/// What a date field holds: nothing, a date (as ISO), or text that is not a date.
export type DateEntry = { iso: string | null; invalid: boolean };

export function readDate(typed: string): DateEntry {
  if (typed.trim() === "") return { iso: null, invalid: false };
  const iso = parseDate(typed);
  return { iso, invalid: iso === null };
}

/// What a date field shows while empty: "kk.oo.yyyy", "дд.мм.гггг", "dd/mm/yyyy".
export function datePlaceholder(): string {
  return t("ui-date-placeholder");
}

/// The message for text that is not a date, with the pattern and an example in the locale.
export function dateInvalidMessage(): string {
  return t("ui-date-invalid", { pattern: datePlaceholder(), example: formatDate("2026-01-31") });
}
