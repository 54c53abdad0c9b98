import { listen } from "@tauri-apps/api/event";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

/// Said for a few seconds when the desk was launched again: this window came forward instead
/// of a second one, so the clerk knows their double click did something.
export function AlreadyOpen() {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    let timer = 0;
    let unlisten: (() => void) | undefined;
    let gone = false;
    void listen("second-launch", () => {
      setShown(true);
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setShown(false), 8000);
    }).then((u) => (gone ? u() : (unlisten = u)));
    return () => {
      gone = true;
      unlisten?.();
      window.clearTimeout(timer);
    };
  }, []);
  if (!shown) return null;
  return (
    <p class="toast" id="already-open" role="status">
      {t("ui-already-open")}
    </p>
  );
}
