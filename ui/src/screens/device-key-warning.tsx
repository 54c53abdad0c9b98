import type { DeviceKeyLocation } from "../bindings/DeviceKeyLocation";
import { t } from "../i18n";

/// What the status line says about where the device key is kept: nothing while it is in the
/// OS keyring (or a file the desk was told to use); a warning, and what to do, when it is in a
/// file because no keyring answered, or kept nowhere because the administrator requires the
/// keyring and none answered (`null`).
export function deviceKeyWarning(location: DeviceKeyLocation | null): { short: string; explanation: string } | null {
  switch (location) {
    case "file_because_no_keyring":
      return { short: t("ui-device-key-file"), explanation: t("ui-device-key-file-explain") };
    case null:
      return { short: t("ui-device-key-none"), explanation: t("ui-device-key-none-explain") };
    case "keyring":
    case "file":
      return null;
  }
}

/// The warning in the status line. Clicking or focusing it (Tab reaches it) opens the
/// explanation; Close or Escape closes it. Its state is the caller's, so it renders the same
/// for the same props.
export function DeviceKeyWarning(props: { location: DeviceKeyLocation | null; open: boolean; onOpen: (open: boolean) => void }) {
  const warning = deviceKeyWarning(props.location);
  if (!warning) return null;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") props.onOpen(false);
  };
  return (
    <span class="device-key-warning" id="device-key-warning" onKeyDown={onKeyDown}>
      <button
        type="button"
        class="link warning"
        id="device-key-warning-button"
        aria-expanded={props.open}
        aria-controls="device-key-explanation"
        onClick={() => props.onOpen(true)}
        onFocus={() => props.onOpen(true)}
      >
        ⚠ {warning.short}
      </button>
      {props.open && (
        <span class="device-key-explanation" id="device-key-explanation" role="note">
          {warning.explanation}{" "}
          <button type="button" class="link" id="device-key-explanation-close" onClick={() => props.onOpen(false)}>
            {t("ui-device-key-close")}
          </button>
        </span>
      )}
    </span>
  );
}
