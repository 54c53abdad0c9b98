import { useState } from "preact/hooks";
import * as api from "../api";
import type { Citizen } from "../bindings/Citizen";
import type { CitizenInput } from "../bindings/CitizenInput";
import type { CitizenMatch } from "../bindings/CitizenMatch";
import type { DocumentKind } from "../bindings/DocumentKind";
import type { Region } from "../bindings/Region";
import type { Sex } from "../bindings/Sex";
import { useCommand, validationFault } from "../command";
import { DateInput, FaultBanner, Field, MarkedName, Select, dateFaults, input, pinflTail, useAutofocus } from "../components";
import { formatDate, readDate } from "../format";
import { t, text } from "../i18n";

const EMPTY: CitizenInput = {
  pinfl: "",
  document_kind: "passport",
  document_number: "",
  surname: "",
  given_name: "",
  patronymic: "",
  birth_date: "",
  sex: null,
  phone: "",
  region: "",
  district: "",
  street: "",
};

/// The citizen chosen instead of registering: one already on file.
export type Existing = { id: number; full_name: string; pinfl: string };

export function CitizenForm(props: { regions: Region[]; onSaved: (c: Citizen) => void; onExisting: (c: Existing) => void; onCancel: () => void }) {
  const [c, setC] = useState<CitizenInput>(EMPTY);
  // Citizens who may be this one (the same name however spelled, the same birth date): shown
  // before saving, until the clerk opens one or confirms a new record.
  const [candidates, setCandidates] = useState<CitizenMatch[] | null>(null);
  // The birth date as typed, in the locale's order; the desk is sent its ISO form.
  const [birthDate, setBirthDate] = useState("");
  const { fault, busy, run, setFault } = useCommand();
  const first = useAutofocus<HTMLInputElement>();
  const set = (k: keyof CitizenInput) => (v: string) => setC({ ...c, [k]: v });
  const districts = props.regions.find((r) => r.soato === c.region)?.districts ?? [];

  const save = async (confirmedNew: boolean) => {
    const wrong = dateFaults({ birth_date: birthDate });
    if (wrong.length > 0) {
      setFault(validationFault(wrong));
      return;
    }
    const typed = { ...c, birth_date: readDate(birthDate).iso ?? "" };
    if (!confirmedNew) {
      const found = await run(() => api.likelyDuplicates(typed));
      if (!found.ok) return;
      if (found.value.length > 0) {
        setCandidates(found.value);
        return;
      }
    }
    setCandidates(null);
    const saved = await run(() => api.registerCitizen(typed));
    if (saved.ok) props.onSaved(saved.value);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void save(false);
  };
  // A PINFL or document number already on file: the fault names the record that holds it.
  const holder = fault?.fields.find((f) => f.citizen !== undefined)?.citizen;
  const openHolder = async (id: number) => {
    const got = await run(() => api.getCitizen(id));
    if (got.ok) {
      const h = got.value;
      props.onExisting({ id: h.id, full_name: [h.surname, h.given_name, h.patronymic].filter(Boolean).join(" "), pinfl: h.pinfl });
    }
  };

  if (candidates) {
    return (
      <section class="card wide" id="duplicate-warning" role="alertdialog" aria-labelledby="duplicate-title" aria-describedby="duplicate-explain">
        <h2 id="duplicate-title">{t("ui-duplicate-title")}</h2>
        <p id="duplicate-explain">{t("ui-duplicate-explain")}</p>
        <FaultBanner fault={fault} />
        <ul class="results" id="duplicate-candidates">
          {candidates.map((m) => (
            <li key={m.id} data-citizen={m.id}>
              <strong>
                <MarkedName name={m.full_name} spans={m.highlight} />
              </strong>
              <span>{formatDate(m.birth_date)}</span>
              <span class="mono">{pinflTail(m.pinfl)}</span>
              <button type="button" id={`duplicate-open-${m.id}`} onClick={() => props.onExisting(m)}>
                {t("ui-duplicate-open")}
              </button>
            </li>
          ))}
        </ul>
        <div class="actions">
          <button type="button" id="duplicate-back" onClick={() => setCandidates(null)}>
            {t("ui-back")}
          </button>
          <button type="button" class="primary" id="duplicate-confirm" disabled={busy} onClick={() => void save(true)}>
            {t("ui-duplicate-confirm")}
          </button>
        </div>
      </section>
    );
  }

  return (
    <form class="card wide" id="citizen-form" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && props.onCancel()}>
      <h2>{t("ui-citizen-register-title")}</h2>
      <FaultBanner fault={fault} />
      {holder !== undefined && (
        <p>
          <button type="button" id="open-existing" onClick={() => void openHolder(holder)}>
            {t("ui-citizen-open-existing")}
          </button>
        </p>
      )}
      <div class="grid three">
        <Field name="surname" label={t("field-surname")} fault={fault}>
          <input id="surname" ref={first} value={c.surname} onInput={input(set("surname"))} />
        </Field>
        <Field name="given_name" label={t("field-given-name")} fault={fault}>
          <input id="given_name" value={c.given_name} onInput={input(set("given_name"))} />
        </Field>
        <Field name="patronymic" label={t("field-patronymic")} fault={fault}>
          <input id="patronymic" value={c.patronymic} onInput={input(set("patronymic"))} />
        </Field>
        <Field name="birth_date" label={t("field-birth-date")} fault={fault}>
          <DateInput id="birth_date" value={birthDate} onInput={setBirthDate} />
        </Field>
        <Field name="sex" label={t("field-sex")} fault={fault}>
          <Select
            id="sex"
            value={c.sex ?? ""}
            placeholder
            options={(["male", "female"] as Sex[]).map((s) => ({ value: s, label: t(`sex-${s}`) }))}
            onChange={(v) => setC({ ...c, sex: (v || null) as Sex | null })}
          />
        </Field>
        <Field name="pinfl" label={t("field-pinfl")} fault={fault}>
          <input id="pinfl" value={c.pinfl} onInput={input(set("pinfl"))} inputMode="numeric" maxLength={20} />
        </Field>
        <Field name="document_kind" label={t("field-document-kind")} fault={fault}>
          <Select
            id="document_kind"
            value={c.document_kind ?? ""}
            options={(["passport", "id_card", "birth_certificate"] as DocumentKind[]).map((d) => ({ value: d, label: t(`doc-${d.replace(/_/g, "-")}`) }))}
            onChange={(v) => setC({ ...c, document_kind: v as DocumentKind })}
          />
        </Field>
        <Field name="document_number" label={t("field-document-number")} fault={fault}>
          <input id="document_number" value={c.document_number} onInput={input(set("document_number"))} />
        </Field>
        <Field name="phone" label={t("field-phone")} fault={fault}>
          <input id="phone" value={c.phone} onInput={input(set("phone"))} placeholder="+998 90 123 45 67" inputMode="tel" />
        </Field>
        <Field name="region" label={t("field-region")} fault={fault}>
          <Select
            id="citizen_region"
            value={c.region}
            placeholder
            options={props.regions.map((r) => ({ value: r.soato, label: text(r.name) }))}
            onChange={(v) => setC({ ...c, region: v, district: "" })}
          />
        </Field>
        <Field name="district" label={t("field-district")} fault={fault}>
          <Select id="citizen_district" value={c.district} placeholder options={districts.map((d) => ({ value: d.soato, label: text(d.name) }))} onChange={set("district")} />
        </Field>
        <Field name="street" label={t("field-street")} fault={fault}>
          <input id="street" value={c.street} onInput={input(set("street"))} />
        </Field>
      </div>
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          {t("ui-back")}
        </button>
        <button type="submit" class="primary" id="citizen-save" disabled={busy}>
          {t("ui-citizen-save")}
        </button>
      </div>
    </form>
  );
}
