import { useState } from "preact/hooks";
import * as api from "../api";
import type { Center } from "../bindings/Center";
import type { DeskSettings } from "../bindings/DeskSettings";
import { useCommand } from "../command";
import { FaultBanner, Field, input, useAutofocus } from "../components";
import { t } from "../i18n";
import { LanguagePicker } from "./language-picker";

export function SignIn(props: {
  center: Center | null;
  settings: DeskSettings;
  onSettings: (s: DeskSettings) => void;
  onDone: () => void;
  /// Locked because the administrator requires the OS keyring and it does not hold the key.
  keyringRequired?: boolean;
}) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { fault, busy, run } = useCommand();
  const first = useAutofocus<HTMLInputElement>();

  const submit = async (e: Event) => {
    e.preventDefault();
    const signedIn = await run(() => api.signIn(username, password));
    if (signedIn.ok) props.onDone();
    else setPassword("");
  };

  return (
    <main class="center-screen">
      <form class="card" id="sign-in-form" onSubmit={submit}>
        <div class="card-head">
          <h1>{t("ui-signin-title")}</h1>
          <LanguagePicker settings={props.settings} onSettings={props.onSettings} />
        </div>
        {props.center ? (
          <p class="muted">
            {props.center.name} · {props.center.code}
          </p>
        ) : (
          <p class="notice" id="locked-db-note" data-reason={props.keyringRequired ? "keyring-required" : "key-missing"}>
            {t(props.keyringRequired ? "ui-locked-keyring-required" : "ui-locked-db")}
          </p>
        )}
        <FaultBanner fault={fault} />
        <Field name="username" label={t("field-username")} fault={fault}>
          <input id="username" ref={first} value={username} onInput={input(setUsername)} autocomplete="username" />
        </Field>
        <Field name="password" label={t("field-password")} fault={fault}>
          <input id="password" type="password" value={password} onInput={input(setPassword)} autocomplete="current-password" />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" id="sign-in-submit" disabled={busy}>
            {t("ui-signin-submit")}
          </button>
        </div>
        <p class="muted small">{t("ui-offline-note")}</p>
      </form>
    </main>
  );
}
