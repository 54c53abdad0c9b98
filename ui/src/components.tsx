import { useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren, Ref } from "preact";
import type { Fault } from "./bindings/Fault";
import type { FieldFault } from "./bindings/FieldFault";
import { fieldMessage } from "./command";
import { type DateEntry, dateInvalidMessage, datePlaceholder, formatDate, readDate } from "./format";
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

/// A date typed in the chosen language's order (dd.mm.yyyy; dd/mm/yyyy in English), never the
/// webview's own date picker, whose order follows the system and not the desk's language.
/// `value` is the text as typed. On leaving the field (or Enter) a real date is written out in
/// full (12051990 → 12.05.1990) and `onCommit` hears what the field holds. A `standalone` input
/// (a filter, outside a `Field`) shows its own message for text that is not a date; a form
/// checks its dates when it is submitted (`dateFaults`), so the message sits under the field.
export function DateInput(props: {
  id: string;
  value: string;
  onInput: (typed: string) => void;
  onCommit?: (entry: DateEntry) => void;
  standalone?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}) {
  const [invalid, setInvalid] = useState(false);
  const commit = (e: Event) => {
    const entry = readDate((e.target as HTMLInputElement).value);
    if (entry.iso) props.onInput(formatDate(entry.iso));
    setInvalid(entry.invalid);
    props.onCommit?.(entry);
  };
  return (
    <>
      <input
        id={props.id}
        ref={props.inputRef}
        class="date"
        value={props.value}
        onInput={(e) => {
          setInvalid(false);
          props.onInput((e.target as HTMLInputElement).value);
        }}
        onChange={commit}
        placeholder={datePlaceholder()}
        inputMode="numeric"
        maxLength={10}
        autocomplete="off"
        aria-invalid={invalid ? "true" : undefined}
      />
      {props.standalone && invalid ? (
        <span class="error" role="alert">
          {dateInvalidMessage()}
        </span>
      ) : null}
    </>
  );
}

/// The date fields whose text is not a date, each with the message for it: `fields` maps a
/// field's name (as faults name it) to the text typed in it. Empty fields are left to the desk,
/// which knows which ones are required.
export function dateFaults(fields: Record<string, string>): FieldFault[] {
  return Object.entries(fields)
    .filter(([, typed]) => readDate(typed).invalid)
    .map(([field]) => ({ field, message: dateInvalidMessage() }));
}

/// A name with the words the search matched marked (`spans` in characters, from the desk).
export function MarkedName(props: { name: string; spans: { start: number; len: number }[] }) {
  const chars = Array.from(props.name);
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const s of [...props.spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    if (s.start > at) parts.push(chars.slice(at, s.start).join(""));
    parts.push(<mark key={s.start}>{chars.slice(s.start, s.start + s.len).join("")}</mark>);
    at = s.start + s.len;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return <>{parts}</>;
}

/// The last digits of a PINFL: enough to tell two namesakes apart, not the whole number.
export function pinflTail(pinfl: string): string {
  return pinfl.length > 4 ? `…${pinfl.slice(-4)}` : pinfl;
}
