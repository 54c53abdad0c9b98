import { useEffect, useRef } from "preact/hooks";
import type { ComponentChildren } from "preact";
import type { Fault } from "./bindings/Fault";
import { fieldMessage } from "./api";
import { t } from "./i18n";

/// A labelled control with its inline error; `name` matches the field names the core reports.
export function Field(props: {
  name: string;
  label: string;
  fault: Fault | null;
  children: ComponentChildren;
  hint?: string;
}) {
  const error = fieldMessage(props.fault, props.name);
  return (
    <label class={error ? "field invalid" : "field"} data-field={props.name}>
      <span class="label">{props.label}</span>
      {props.children}
      {props.hint && !error ? <span class="hint">{props.hint}</span> : null}
      {error ? (
        <span class="error" role="alert">
          {error}
        </span>
      ) : null}
    </label>
  );
}

/// The fault's general message, shown above a form.
export function FaultBanner(props: { fault: Fault | null }) {
  if (!props.fault) return null;
  return (
    <div class="banner error" role="alert" data-code={props.fault.code}>
      {props.fault.message}
    </div>
  );
}

export function Select(props: {
  id?: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (v: string) => void;
  placeholder?: boolean;
}) {
  return (
    <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
      {props.placeholder ? <option value="">{t("ui-choose")}</option> : null}
      {props.options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

export function input(setter: (v: string) => void) {
  return (e: Event) => setter((e.target as HTMLInputElement).value);
}

/// Focuses the element once it is on screen. The HTML `autofocus` attribute only works on
/// page load, and the desk is one page: every step must put the cursor where typing goes.
export function useAutofocus<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
