import { useState } from "preact/hooks";
import * as api from "../api";
import type { DeskSettings } from "../bindings/DeskSettings";
import type { Region } from "../bindings/Region";
import { useCommand, validationFault } from "../command";
import { FaultBanner, Field, Select, input, useAutofocus } from "../components";
import { t, text } from "../i18n";
import { LanguagePicker } from "./language-picker";

export function Setup(props: {
  regions: Region[];
  settings: DeskSettings;
  onSettings: (s: DeskSettings) => void;
  onDone: () => void;
}) {
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [region, setRegion] = useState("");
  const [district, setDistrict] = useState("");
  const [username, setUsername] = useState("");
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const { fault, busy, run, setFault } = useCommand();
  const first = useAutofocus<HTMLInputElement>();
  const districts = props.regions.find((r) => r.soato === region)?.districts ?? [];

  const submit = async (e: Event) => {
    e.preventDefault();
    if (password !== repeat) {
      setFault(validationFault([{ field: "password_repeat", message: t("err-password-mismatch") }]));
      return;
    }
    const done = await run(() =>
      api.setupDesk({
        center_code: code,
        center_name: name,
        region,
        district,
        admin: { username, full_name: fullName, role: "admin", password },
      }),
    );
    if (done.ok) props.onDone();
  };

  return (
    <main class="center-screen">
      <form class="card wide" id="setup-form" onSubmit={submit}>
        <div class="card-head">
          <h1>{t("ui-setup-title")}</h1>
          <LanguagePicker settings={props.settings} onSettings={props.onSettings} />
        </div>
        <p class="muted">{t("ui-setup-intro")}</p>
        <FaultBanner fault={fault} />
        <div class="grid two">
          <Field name="center_code" label={t("field-center-code")} fault={fault}>
            <input id="center_code" ref={first} value={code} onInput={input(setCode)} autocomplete="off" />
          </Field>
          <Field name="center_name" label={t("field-center-name")} fault={fault}>
            <input id="center_name" value={name} onInput={input(setName)} />
          </Field>
          <Field name="region" label={t("field-region")} fault={fault}>
            <Select
              id="region"
              value={region}
              placeholder
              options={props.regions.map((r) => ({ value: r.soato, label: text(r.name) }))}
              onChange={(v) => {
                setRegion(v);
                setDistrict("");
              }}
            />
          </Field>
          <Field name="district" label={t("field-district")} fault={fault}>
            <Select id="district" value={district} placeholder options={districts.map((d) => ({ value: d.soato, label: text(d.name) }))} onChange={setDistrict} />
          </Field>
          <Field name="username" label={t("field-username")} fault={fault}>
            <input id="username" value={username} onInput={input(setUsername)} autocomplete="off" />
          </Field>
          <Field name="full_name" label={t("field-full-name")} fault={fault}>
            <input id="full_name" value={fullName} onInput={input(setFullName)} />
          </Field>
          <Field name="password" label={t("field-password")} fault={fault}>
            <input id="password" type="password" value={password} onInput={input(setPassword)} />
          </Field>
          <Field name="password_repeat" label={t("field-password-repeat")} fault={fault}>
            <input id="password_repeat" type="password" value={repeat} onInput={input(setRepeat)} />
          </Field>
        </div>
        <div class="actions">
          <button type="submit" class="primary" id="setup-submit" disabled={busy}>
            {t("ui-setup-submit")}
          </button>
        </div>
      </form>
    </main>
  );
}
