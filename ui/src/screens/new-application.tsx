import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { Application } from "../bindings/Application";
import type { Catalog } from "../bindings/Catalog";
import type { CitizenMatch } from "../bindings/CitizenMatch";
import type { Draft } from "../bindings/Draft";
import type { FieldSpec } from "../bindings/FieldSpec";
import type { Locale } from "../bindings/Locale";
import type { Region } from "../bindings/Region";
import type { Service } from "../bindings/Service";
import { useCommand, validationFault } from "../command";
import { DateInput, FaultBanner, Field, MarkedName, dateFaults, input, pinflTail, useAutofocus } from "../components";
import { feeLabel, formatDate, readDate } from "../format";
import { LOCALES, LOCALE_NAMES, t, text } from "../i18n";
import { CitizenForm } from "./citizen-form";
import { DocumentChecklist, type Picked } from "./documents";

export type Chosen = { id: number; full_name: string; pinfl: string };

/// Where filing starts when it does not start empty: a draft left open, or an application
/// to correct and file again (the citizen and service stay; the form is the old one).
export type Start = {
  citizen: Chosen | null;
  serviceCode: string | null;
  form: Record<string, string>;
  draftId: string | null;
  replaces: { id: string; tracking: string } | null;
};

export function startFromDraft(d: Draft): Start {
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.form)) form[k] = String(v);
  return {
    citizen: d.citizen_id !== null ? { id: d.citizen_id, full_name: d.citizen_name ?? "", pinfl: "" } : null,
    serviceCode: d.service_code,
    form,
    draftId: d.id,
    replaces: null,
  };
}

export function startFromCorrection(a: Application): Start {
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.form)) if (v !== undefined) form[k] = v;
  return {
    citizen: { id: a.citizen_id, full_name: a.citizen_name, pinfl: a.citizen_pinfl },
    serviceCode: a.service_code,
    form,
    draftId: null,
    replaces: { id: a.id, tracking: a.tracking_number },
  };
}

/// Filing in three keyboard steps: find or register the citizen, pick the service, fill the
/// form. Enter moves on, Escape goes back.
export function NewApplication(props: {
  catalog: Catalog;
  regions: Region[];
  start?: Start;
  onFiled: (a: Application) => void;
  onDrafted: () => void;
  onCancel: () => void;
}) {
  const start = props.start;
  const [citizen, setCitizen] = useState<Chosen | null>(start?.citizen ?? null);
  const [service, setService] = useState<Service | null>(props.catalog.services.find((s) => s.code === start?.serviceCode) ?? null);

  if (!citizen) return <CitizenStep regions={props.regions} onChosen={setCitizen} onCancel={props.onCancel} />;
  if (!service) return <ServiceStep catalog={props.catalog} citizen={citizen} onChosen={setService} onBack={() => setCitizen(null)} />;
  return (
    <FormStep
      citizen={citizen}
      service={service}
      initial={start?.form ?? {}}
      draftId={start?.draftId ?? null}
      replaces={start?.replaces ?? null}
      onFiled={props.onFiled}
      onDrafted={props.onDrafted}
      onBack={() => (start?.replaces ? props.onCancel() : setService(null))}
    />
  );
}

function CitizenStep(props: { regions: Region[]; onChosen: (c: Chosen) => void; onCancel: () => void }) {
  const [query, setQuery] = useState("");
  const [matches, setMatches] = useState<CitizenMatch[] | null>(null);
  const [active, setActive] = useState(0);
  const [registering, setRegistering] = useState(false);
  const { fault, run } = useCommand();
  const searchRef = useAutofocus<HTMLInputElement>();

  useEffect(() => {
    if (query.trim().length < 2) {
      setMatches(null);
      return;
    }
    let stale = false;
    void run(() => api.findCitizens(query)).then((found) => {
      if (found.ok && !stale) {
        setMatches(found.value);
        setActive(0);
      }
    });
    return () => {
      stale = true;
    };
  }, [query, run]);

  if (registering) {
    return (
      <CitizenForm
        regions={props.regions}
        onSaved={(c) => props.onChosen({ id: c.id, full_name: [c.surname, c.given_name, c.patronymic].filter(Boolean).join(" "), pinfl: c.pinfl })}
        onExisting={props.onChosen}
        onCancel={() => setRegistering(false)}
      />
    );
  }

  const onKey = (e: KeyboardEvent) => {
    if (!matches?.length) {
      if (e.key === "Escape") props.onCancel();
      // Nobody found: Enter goes straight on to registering them.
      if (e.key === "Enter" && matches) {
        e.preventDefault();
        setRegistering(true);
      }
      return;
    }
    if (e.key === "ArrowDown") setActive(Math.min(active + 1, matches.length - 1));
    else if (e.key === "ArrowUp") setActive(Math.max(active - 1, 0));
    else if (e.key === "Enter") {
      e.preventDefault();
      props.onChosen(matches[active]);
    } else if (e.key === "Escape") props.onCancel();
    else return;
    e.preventDefault();
  };

  return (
    <section class="card wide" id="citizen-step">
      <h1>{t("ui-citizen-find-title")}</h1>
      <FaultBanner fault={fault} />
      <input id="citizen-search" ref={searchRef} class="search" value={query} onInput={input(setQuery)} onKeyDown={onKey} placeholder={t("ui-citizen-find-hint")} autocomplete="off" />
      {matches && matches.length > 0 && (
        <ul class="results" id="citizen-results" role="listbox">
          {matches.map((m, i) => (
            <li key={m.id} role="option" aria-selected={i === active} class={i === active ? "active" : ""} onClick={() => props.onChosen(m)} data-citizen={m.id} data-tier={m.tier}>
              <strong>
                <MarkedName name={m.full_name} spans={m.highlight} />
                {(m.tier === "folded" || m.tier === "typo") && <small class="tier"> {t(`ui-match-${m.tier}`)}</small>}
              </strong>
              <span>{formatDate(m.birth_date)}</span>
              <span class="mono" title={t("field-pinfl")}>
                {pinflTail(m.pinfl)}
              </span>
              <span class="mono">{m.document_number}</span>
            </li>
          ))}
        </ul>
      )}
      {matches && matches.length === 0 && <p class="empty">{t("ui-citizen-find-none")}</p>}
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          {t("ui-back")}
        </button>
        <button type="button" id="register-citizen" onClick={() => setRegistering(true)}>
          {t("ui-citizen-register")}
        </button>
      </div>
    </section>
  );
}

function ServiceStep(props: { catalog: Catalog; citizen: Chosen; onChosen: (s: Service) => void; onBack: () => void }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const searchRef = useAutofocus<HTMLInputElement>();
  const list = useMemo(() => {
    const q = query.trim().toLowerCase();
    return props.catalog.services.filter(
      (s) => !q || s.code.includes(q) || [s.name.uz_latn, s.name.uz_cyrl, s.name.ru, s.name.en].some((n) => n.toLowerCase().includes(q)),
    );
  }, [query, props.catalog]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive(Math.min(active + 1, list.length - 1));
    else if (e.key === "ArrowUp") setActive(Math.max(active - 1, 0));
    else if (e.key === "Enter" && list[active]) props.onChosen(list[active]);
    else if (e.key === "Escape") props.onBack();
    else return;
    e.preventDefault();
  };

  return (
    <section class="card wide" id="service-step">
      <p class="muted">
        {props.citizen.full_name} · <span class="mono">{props.citizen.pinfl}</span>
      </p>
      <h1>{t("ui-service-title")}</h1>
      <input
        id="service-search"
        ref={searchRef}
        class="search"
        value={query}
        onInput={(e) => {
          setQuery((e.target as HTMLInputElement).value);
          setActive(0);
        }}
        onKeyDown={onKey}
        placeholder={t("ui-service-search")}
        autocomplete="off"
      />
      <ul class="results services" id="service-results" role="listbox">
        {list.map((s, i) => (
          <li key={s.code} role="option" aria-selected={i === active} class={i === active ? "active" : ""} onClick={() => props.onChosen(s)} data-service={s.code}>
            <strong>{text(s.name)}</strong>
            <span class="muted">{text(s.agency)}</span>
            <span>{feeLabel(s.fee_uzs)}</span>
            <span>{t("ui-service-deadline", { days: s.deadline_working_days })}</span>
          </li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" onClick={props.onBack}>
          {t("ui-back")}
        </button>
      </div>
    </section>
  );
}

function FieldInput(props: { spec: FieldSpec; value: string; onChange: (v: string) => void }) {
  const id = `form-${props.spec.key}`;
  const k = props.spec.kind;
  if (k.type === "choice") {
    return (
      <select id={id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        <option value="">{t("ui-choose")}</option>
        {k.options.map((o) => (
          <option key={o.value} value={o.value}>
            {text(o.label)}
          </option>
        ))}
      </select>
    );
  }
  if (k.type === "date") return <DateInput id={id} value={props.value} onInput={props.onChange} />;
  const placeholder = k.type === "phone" ? "+998 90 123 45 67" : undefined;
  const numeric = k.type === "number" || k.type === "pinfl" || k.type === "stir";
  return <input id={id} value={props.value} onInput={input(props.onChange)} placeholder={placeholder} inputMode={numeric ? "numeric" : undefined} autocomplete="off" />;
}

function FormStep(props: {
  citizen: Chosen;
  service: Service;
  initial: Record<string, string>;
  draftId: string | null;
  replaces: { id: string; tracking: string } | null;
  onFiled: (a: Application) => void;
  onDrafted: () => void;
  onBack: () => void;
}) {
  const s = props.service;
  const dateKeys = s.fields.filter((f) => f.kind.type === "date").map((f) => f.key);
  // Date fields hold what is typed, in the locale's order; a draft or a correction starts
  // from ISO dates, shown the same way.
  const [values, setValues] = useState<Record<string, string>>(() => {
    const shown = { ...props.initial };
    for (const k of dateKeys) if (shown[k] !== undefined) shown[k] = formatDate(shown[k]);
    return shown;
  });
  const { fault, busy, run, setFault } = useCommand();
  const [picked, setPicked] = useState<Picked[]>([]);
  // The citizen's language for the receipt, asked at the counter: not the clerk's.
  const [receiptLocale, setReceiptLocale] = useState<Locale>("uz-Latn");
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>("input, select")?.focus();
  }, []);

  /// The form as the desk takes it: filled fields only, dates as ISO; null (and the fault
  /// shown) when a date field holds something that is not a date.
  const filled = (): Record<string, string> | null => {
    const wrong = dateFaults(Object.fromEntries(dateKeys.map((k) => [`form.${k}`, values[k] ?? ""])));
    if (wrong.length > 0) {
      setFault(validationFault(wrong));
      return null;
    }
    const form: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
      if (v.trim() === "") continue;
      form[k] = dateKeys.includes(k) ? (readDate(v).iso ?? v) : v;
    }
    return form;
  };
  const saveDraft = async () => {
    const form = filled();
    if (!form) return;
    const saved = await run(() => api.saveDraft({ id: props.draftId, citizen_id: props.citizen.id, service_code: s.code, form }));
    if (saved.ok) props.onDrafted();
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = filled();
    if (!form) return;
    const documents = picked.map((p) => ({ requirement_key: p.requirement, sha256: p.scan.sha256 }));
    const filed = await run(() => api.fileApplication({ citizen_id: props.citizen.id, service_code: s.code, form, documents, receipt_locale: receiptLocale }, props.draftId, props.replaces?.id ?? null));
    if (filed.ok) props.onFiled(filed.value);
  };

  return (
    <form class="card wide" id="application-form" ref={formRef} onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && props.onBack()}>
      <p class="muted">
        {props.citizen.full_name} · <span class="mono">{props.citizen.pinfl}</span>
      </p>
      <h1>{text(s.name)}</h1>
      <p>
        {text(s.agency)} · {feeLabel(s.fee_uzs)} · {t("ui-service-deadline", { days: s.deadline_working_days })}
      </p>
      {props.replaces && (
        <div class="banner warn" id="correcting">
          {t("ui-correcting", { tracking: props.replaces.tracking })}
        </div>
      )}
      <FaultBanner fault={fault} />
      <h2>{t("ui-form-title")}</h2>
      <div class="grid two">
        {s.fields.map((f) => (
          <Field key={f.key} name={`form.${f.key}`} label={text(f.label) + (f.required ? " *" : "")} fault={fault}>
            <FieldInput spec={f} value={values[f.key] ?? ""} onChange={(v) => setValues({ ...values, [f.key]: v })} />
          </Field>
        ))}
      </div>
      <h2>{t("ui-service-documents")}</h2>
      <DocumentChecklist
        documents={s.documents}
        picked={picked}
        onChange={setPicked}
        fault={fault}
      />
      <label class="receipt-language">
        <span class="label">{t("ui-receipt-language")}</span>
        <select id="receipt-locale" value={receiptLocale} onChange={(e) => setReceiptLocale((e.target as HTMLSelectElement).value as Locale)}>
          {LOCALES.map((l) => (
            <option key={l} value={l}>
              {LOCALE_NAMES[l]}
            </option>
          ))}
        </select>
      </label>
      <div class="actions">
        <button type="button" onClick={props.onBack}>
          {t("ui-back")}
        </button>
        {!props.replaces && (
          <button type="button" id="save-draft" onClick={saveDraft}>
            {t("ui-save-draft")}
          </button>
        )}
        <button type="submit" class="primary" id="file-submit" disabled={busy}>
          {t("ui-file-submit")}
        </button>
      </div>
    </form>
  );
}
